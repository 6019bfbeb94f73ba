// Byte-stream transports and framing: TCP everywhere, Unix sockets where the platform
// has them. Every wait has a deadline; a frame's 4-byte length is checked against the
// receiver's maximum before anything is allocated.
//
//     rlay::Address Where;
//     std::string Error;
//     if (!rlay::Address::Parse("tcp://127.0.0.1:5555", Where, Error)) { ... }
//     rlay::Connection Link;
//     if (rlay::Dial(Where, 10000, Link, Error)) Link.SendFrame(Frame, 5000);
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "RlayWire.h"

namespace rlay {

/// 256 MiB, as in the Python package.
constexpr uint32_t DefaultMaxFrameSize = 256u * 1024u * 1024u;
constexpr size_t FrameHeaderSize = 4;

/// A point in time after which a wait gives up; negative milliseconds mean "never".
class RLAYCORE_API Deadline {
public:
    static Deadline After(int Milliseconds);
    static Deadline Never() { return Deadline(); }
    bool Expired() const;
    /// Milliseconds left for poll(): -1 for never, 0 when expired.
    int RemainingMs() const;

private:
    bool bNever = true;
    std::chrono::steady_clock::time_point At;
};

/// tcp://HOST:PORT or unix:///absolute/path.
struct RLAYCORE_API Address {
    enum class EKind { Tcp, Unix };
    EKind Kind = EKind::Tcp;
    std::string Host;
    uint16_t Port = 0;
    std::string Path;

    static bool Parse(const std::string& Text, Address& Out, std::string& Error);
    std::string ToString() const;
};

/// Outcome of an I/O operation.
enum class EIo {
    Ok,
    /// The peer closed the connection (or it was closed here).
    Closed,
    /// The deadline passed.
    TimedOut,
    /// A frame's length exceeds the maximum frame size.
    TooLarge,
    /// Any other socket failure.
    Failed,
};

RLAYCORE_API const char* IoName(EIo Result);

/// One connected stream socket. Movable, not copyable; closes on destruction.
class RLAYCORE_API Connection {
public:
    Connection();
    explicit Connection(intptr_t Handle, std::string PeerName);
    ~Connection();
    Connection(Connection&& Other) noexcept;
    Connection& operator=(Connection&& Other) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool IsOpen() const { return Socket.load() != InvalidHandle; }
    const std::string& PeerName() const { return Peer; }

    /// Sends every byte before the deadline.
    EIo SendAll(const uint8_t* Data, size_t Size, int TimeoutMs);
    /// Receives exactly Size bytes before the deadline.
    EIo ReceiveAll(uint8_t* Data, size_t Size, const Deadline& Until);
    /// Sends one frame (header + message).
    EIo SendFrame(const Bytes& Frame, int TimeoutMs) { return SendAll(Frame.data(), Frame.size(), TimeoutMs); }
    /// Waits up to IdleTimeoutMs for a frame to start, then up to FrameTimeoutMs for the
    /// rest of it. Out holds the message (no header). A length above MaxFrameSize
    /// returns TooLarge without reading the body; FrameLength holds the announced length.
    EIo ReceiveFrame(Bytes& Out, int IdleTimeoutMs, int FrameTimeoutMs, uint32_t MaxFrameSize,
                     uint32_t* FrameLength = nullptr);
    /// Wakes a thread blocked on this connection (safe from another thread).
    void Shutdown();
    void Close();

    static constexpr intptr_t InvalidHandle = -1;

private:
    EIo Wait(bool bWrite, const Deadline& Until);
    std::atomic<intptr_t> Socket{InvalidHandle};
    // Close and Shutdown may race (a host stopping a session that is ending): the lock
    // keeps Shutdown from reaching a descriptor number the system already reused.
    std::unique_ptr<std::mutex> CloseLock;
    std::string Peer;
};

/// Encodes a message as one frame (u32 little-endian length + message) into Out.
template <typename Message>
void EncodeFrame(const Message& Msg, Bytes& Out)
{
    size_t Size = Msg.ByteSize();
    Out.resize(FrameHeaderSize + Size);
    uint32_t Length = static_cast<uint32_t>(Size);
    for (size_t I = 0; I < FrameHeaderSize; ++I) Out[I] = static_cast<uint8_t>(Length >> (8 * I));
    ProtoWriter Writer(Out.data() + FrameHeaderSize);
    Msg.WriteTo(Writer);
}

/// A listening socket. Binds 127.0.0.1 unless told otherwise; port 0 picks a free one.
class RLAYCORE_API Listener {
public:
    Listener() = default;
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    /// False (with Error, e.g. "address already in use") when it cannot listen.
    bool Listen(const Address& Where, std::string& Error);
    /// The bound address, with the real port.
    const Address& Bound() const { return BoundAddress; }
    /// Waits up to TimeoutMs for a connection.
    EIo Accept(Connection& Out, int TimeoutMs);
    /// Stops listening (safe from another thread); removes a Unix socket file it created.
    void Close();

private:
    std::atomic<intptr_t> Socket{Connection::InvalidHandle};
    Address BoundAddress;
};

/// Connects to Where, retrying while nothing listens there, until TimeoutMs passes.
RLAYCORE_API bool Dial(const Address& Where, int TimeoutMs, Connection& Out, std::string& Error);

}  // namespace rlay
