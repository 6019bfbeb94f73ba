// Hosting environments: a listening host (ClientEnv dials it) that serves several
// connections at once, each with a fresh environment, so that one hostile connection
// never blocks the others; and a dialler (ServerEnv listens) that retries while the
// agent is not up yet.
//
//     rlay::Server Host([] { return std::unique_ptr<rlay::IEnvironment>(new FMyEnv()); }, Options);
//     if (!Host.Start(Where, Error)) Log(Error);      // e.g. the port is taken
//     ...
//     Host.Stop(3000);
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "RlayEnvSession.h"
#include "RlayTransport.h"

namespace rlay {

using EnvFactory = std::function<std::unique_ptr<IEnvironment>()>;

class RLAYCORE_API Server {
public:
    /// More connections than this at once are answered with ERROR_CODE_UNAVAILABLE.
    static constexpr size_t MaxConnections = 64;

    Server(EnvFactory Factory, EnvSessionOptions Options = EnvSessionOptions());
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Listens and starts accepting on a thread of its own; false with Error when it cannot.
    bool Start(const Address& Where, std::string& Error);
    const Address& Bound() const { return Listening.Bound(); }
    /// Stops listening, ends every session, and waits up to TimeoutMs for their threads.
    void Stop(int TimeoutMs);
    /// Sessions being served right now.
    size_t ActiveSessions() const;

private:
    struct FConnectionSlot;
    void AcceptLoop();
    void Reap(bool bAll, int TimeoutMs);

    EnvFactory Factory;
    EnvSessionOptions Options;
    Listener Listening;
    std::thread Acceptor;
    std::atomic<bool> bStopping{false};
    mutable std::mutex Lock;
    std::vector<std::unique_ptr<FConnectionSlot>> Slots;
};

/// Dials Where (retrying for up to TimeoutMs while nothing listens) and serves one
/// session on the connection; returns how it ended (Lost when it could not connect).
RLAYCORE_API ESessionEnd DialAndServe(const Address& Where, int TimeoutMs, IEnvironment& Environment,
                                      const EnvSessionOptions& Options, std::string& Message);

}  // namespace rlay
