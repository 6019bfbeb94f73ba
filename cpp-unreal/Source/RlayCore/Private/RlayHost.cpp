#include "RlayHost.h"

#include <chrono>

namespace rlay {

struct Server::FConnectionSlot {
    Connection Link;
    std::unique_ptr<IEnvironment> Env;
    std::unique_ptr<EnvSession> Session;
    std::thread Worker;
    std::atomic<bool> bDone{false};
};

Server::Server(EnvFactory InFactory, EnvSessionOptions InOptions)
    : Factory(std::move(InFactory)), Options(std::move(InOptions))
{
}

Server::~Server() { Stop(3000); }

bool Server::Start(const Address& Where, std::string& Error)
{
    if (!Listening.Listen(Where, Error)) return false;
    bStopping.store(false);
    Acceptor = std::thread([this] { AcceptLoop(); });
    return true;
}

void Server::AcceptLoop()
{
    while (!bStopping.load()) {
        Connection Link;
        // A bounded wait, so Stop is noticed even when no one connects.
        EIo Result = Listening.Accept(Link, 200);
        Reap(false, 0);
        if (Result == EIo::TimedOut) continue;
        if (Result != EIo::Ok) break;
        std::lock_guard<std::mutex> Guard(Lock);
        if (Slots.size() >= MaxConnections) {
            v1::SessionResponse Busy;
            v1::Error* Error = Busy.mutable_error();
            Error->code = v1::ErrorCode::Unavailable;
            Error->message = "the env serves " + std::to_string(MaxConnections) + " connections already";
            Bytes Frame;
            EncodeFrame(Busy, Frame);
            Link.SendFrame(Frame, 1000);
            Link.Close();
            continue;
        }
        std::unique_ptr<FConnectionSlot> Slot(new FConnectionSlot());
        Slot->Link = std::move(Link);
        Slot->Env = Factory();
        Slot->Session.reset(new EnvSession(Slot->Link, *Slot->Env, Options));
        FConnectionSlot* Raw = Slot.get();
        Slot->Worker = std::thread([Raw] {
            ESessionEnd End = Raw->Session->Run();
            Log(ELogLevel::Debug, Raw->Link.PeerName() + ": session " + SessionEndName(End));
            Raw->bDone.store(true);
        });
        Slots.push_back(std::move(Slot));
    }
}

void Server::Reap(bool bAll, int TimeoutMs)
{
    std::vector<std::unique_ptr<FConnectionSlot>> Finished;
    {
        std::lock_guard<std::mutex> Guard(Lock);
        for (size_t I = 0; I < Slots.size();) {
            if (bAll || Slots[I]->bDone.load()) {
                Finished.push_back(std::move(Slots[I]));
                Slots.erase(Slots.begin() + static_cast<std::ptrdiff_t>(I));
            } else {
                ++I;
            }
        }
    }
    Deadline Until = Deadline::After(TimeoutMs);
    for (std::unique_ptr<FConnectionSlot>& Slot : Finished) {
        Slot->Session->Stop();
        // Each session's waits are bounded, and Stop wakes them; wait for the thread to notice.
        while (!Slot->bDone.load() && !Until.Expired()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (Slot->bDone.load()) {
            Slot->Worker.join();
        } else {
            Log(ELogLevel::Warning, Slot->Link.PeerName() + ": a session did not stop in time; leaving it");
            Slot->Worker.detach();
            Slot.release();  // still used by its thread; ends with the process
        }
    }
}

void Server::Stop(int TimeoutMs)
{
    bStopping.store(true);
    Listening.Close();
    if (Acceptor.joinable()) Acceptor.join();
    Reap(true, TimeoutMs);
}

size_t Server::ActiveSessions() const
{
    std::lock_guard<std::mutex> Guard(Lock);
    size_t Count = 0;
    for (const std::unique_ptr<FConnectionSlot>& Slot : Slots) Count += Slot->bDone.load() ? 0 : 1;
    return Count;
}

ESessionEnd DialAndServe(const Address& Where, int TimeoutMs, IEnvironment& Environment,
                         const EnvSessionOptions& Options, std::string& Message)
{
    Connection Link;
    if (!Dial(Where, TimeoutMs, Link, Message)) return ESessionEnd::Lost;
    EnvSession Session(Link, Environment, Options);
    ESessionEnd End = Session.Run();
    Message = Session.EndMessage();
    return End;
}

}  // namespace rlay
