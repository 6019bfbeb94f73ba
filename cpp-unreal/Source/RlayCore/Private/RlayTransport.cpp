#include "RlayTransport.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#define RLAY_HAS_UNIX_SOCKETS 0
using SocketLength = int;
namespace {
using NativeSocket = SOCKET;
int CloseNative(NativeSocket S) { return closesocket(S); }
int PollNative(pollfd* Fds, unsigned long Count, int TimeoutMs) { return WSAPoll(Fds, Count, TimeoutMs); }
bool SetNonBlocking(NativeSocket S)
{
    u_long On = 1;
    return ioctlsocket(S, FIONBIO, &On) == 0;
}
int LastError() { return WSAGetLastError(); }
bool WouldBlock(int Error) { return Error == WSAEWOULDBLOCK; }
bool InProgress(int Error) { return Error == WSAEWOULDBLOCK || Error == WSAEINPROGRESS; }
bool Refused(int Error) { return Error == WSAECONNREFUSED; }
constexpr int SendFlags = 0;
const NativeSocket BadSocket = INVALID_SOCKET;
bool StartSockets()
{
    static const bool bStarted = [] {
        WSADATA Data;
        return WSAStartup(MAKEWORD(2, 2), &Data) == 0;
    }();
    return bStarted;
}
}  // namespace
#else
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#define RLAY_HAS_UNIX_SOCKETS 1
using SocketLength = socklen_t;
namespace {
using NativeSocket = int;
int CloseNative(NativeSocket S) { return close(S); }
int PollNative(pollfd* Fds, nfds_t Count, int TimeoutMs) { return poll(Fds, Count, TimeoutMs); }
bool SetNonBlocking(NativeSocket S)
{
    int Flags = fcntl(S, F_GETFL, 0);
    return Flags >= 0 && fcntl(S, F_SETFL, Flags | O_NONBLOCK) == 0;
}
int LastError() { return errno; }
bool WouldBlock(int Error) { return Error == EAGAIN || Error == EWOULDBLOCK || Error == EINTR; }
bool InProgress(int Error) { return Error == EINPROGRESS || Error == EINTR; }
bool Refused(int Error) { return Error == ECONNREFUSED || Error == ENOENT || Error == EAGAIN; }
#if defined(MSG_NOSIGNAL)
constexpr int SendFlags = MSG_NOSIGNAL;  // a closed peer is an error, not SIGPIPE
#else
constexpr int SendFlags = 0;
#endif
const NativeSocket BadSocket = -1;
bool StartSockets() { return true; }
}  // namespace
#endif

namespace rlay {

namespace {

NativeSocket Native(intptr_t Handle) { return static_cast<NativeSocket>(Handle); }

std::string ErrorText(int Error)
{
#if defined(_WIN32)
    return "socket error " + std::to_string(Error);
#else
    return std::strerror(Error);
#endif
}

void ConfigureStream(NativeSocket S, bool bTcp)
{
    SetNonBlocking(S);
    if (bTcp) {
        int On = 1;
        setsockopt(S, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&On), sizeof On);
    }
#if defined(SO_NOSIGPIPE)
    int On = 1;
    setsockopt(S, SOL_SOCKET, SO_NOSIGPIPE, &On, sizeof On);
#endif
}

/// The sockaddr of an address; false with Error when it cannot be built.
bool MakeSockAddr(const Address& Where, sockaddr_storage& Storage, SocketLength& Length, std::string& Error)
{
    std::memset(&Storage, 0, sizeof Storage);
    if (Where.Kind == Address::EKind::Unix) {
#if RLAY_HAS_UNIX_SOCKETS
        sockaddr_un* Un = reinterpret_cast<sockaddr_un*>(&Storage);
        if (Where.Path.size() >= sizeof Un->sun_path) {
            Error = "unix socket path too long: " + Where.Path;
            return false;
        }
        Un->sun_family = AF_UNIX;
        std::memcpy(Un->sun_path, Where.Path.c_str(), Where.Path.size() + 1);
        Length = static_cast<SocketLength>(sizeof(sockaddr_un));
        return true;
#else
        Error = "unix sockets are not available on this platform; use tcp://";
        return false;
#endif
    }
    std::string Host = Where.Host == "localhost" ? "127.0.0.1" : Where.Host;
    sockaddr_in* In = reinterpret_cast<sockaddr_in*>(&Storage);
    In->sin_family = AF_INET;
    In->sin_port = htons(Where.Port);
    if (inet_pton(AF_INET, Host.c_str(), &In->sin_addr) == 1) {
        Length = static_cast<SocketLength>(sizeof(sockaddr_in));
        return true;
    }
    sockaddr_in6* In6 = reinterpret_cast<sockaddr_in6*>(&Storage);
    std::memset(&Storage, 0, sizeof Storage);
    In6->sin6_family = AF_INET6;
    In6->sin6_port = htons(Where.Port);
    if (inet_pton(AF_INET6, Host.c_str(), &In6->sin6_addr) == 1) {
        Length = static_cast<SocketLength>(sizeof(sockaddr_in6));
        return true;
    }
    // A name: resolve it (numeric addresses above need no lookup).
    addrinfo Hints;
    std::memset(&Hints, 0, sizeof Hints);
    Hints.ai_family = AF_UNSPEC;
    Hints.ai_socktype = SOCK_STREAM;
    addrinfo* Found = nullptr;
    if (getaddrinfo(Host.c_str(), nullptr, &Hints, &Found) != 0 || Found == nullptr) {
        Error = "cannot resolve host '" + Where.Host + "'";
        return false;
    }
    std::memcpy(&Storage, Found->ai_addr, Found->ai_addrlen);
    Length = static_cast<SocketLength>(Found->ai_addrlen);
    if (Found->ai_family == AF_INET) reinterpret_cast<sockaddr_in*>(&Storage)->sin_port = htons(Where.Port);
    if (Found->ai_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&Storage)->sin6_port = htons(Where.Port);
    freeaddrinfo(Found);
    return true;
}

}  // namespace

// -- Deadline ------------------------------------------------------------------------

Deadline Deadline::After(int Milliseconds)
{
    Deadline Result;
    if (Milliseconds < 0) return Result;
    Result.bNever = false;
    Result.At = std::chrono::steady_clock::now() + std::chrono::milliseconds(Milliseconds);
    return Result;
}

bool Deadline::Expired() const { return !bNever && std::chrono::steady_clock::now() >= At; }

int Deadline::RemainingMs() const
{
    if (bNever) return -1;
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(At - std::chrono::steady_clock::now()).count();
    if (Left <= 0) return 0;
    // Round up so a wait never ends just before its deadline.
    return static_cast<int>(Left > 86400000 ? 86400000 : Left + 1);
}

// -- Address -------------------------------------------------------------------------

bool Address::Parse(const std::string& Text, Address& Out, std::string& Error)
{
    Out = Address();
    if (Text.rfind("unix://", 0) == 0) {
        Out.Kind = EKind::Unix;
        Out.Path = Text.substr(7);
        if (Out.Path.empty() || Out.Path[0] != '/') {
            Error = "a unix address needs an absolute path: unix:///path/to/socket, got '" + Text + "'";
            return false;
        }
        return true;
    }
    if (Text.rfind("tcp://", 0) != 0) {
        Error = "unsupported address '" + Text + "': use tcp://HOST:PORT or unix:///path";
        return false;
    }
    std::string Rest = Text.substr(6);
    size_t Colon = Rest.rfind(':');
    if (Colon == std::string::npos || Colon + 1 >= Rest.size()) {
        Error = "a tcp address needs a port: tcp://HOST:PORT, got '" + Text + "'";
        return false;
    }
    std::string Host = Rest.substr(0, Colon);
    if (Host.size() >= 2 && Host.front() == '[' && Host.back() == ']') Host = Host.substr(1, Host.size() - 2);
    unsigned long Port = 0;
    for (size_t I = Colon + 1; I < Rest.size(); ++I) {
        char C = Rest[I];
        if (C < '0' || C > '9' || Port > 65535) {
            Error = "invalid port in '" + Text + "'";
            return false;
        }
        Port = Port * 10 + static_cast<unsigned long>(C - '0');
    }
    if (Port > 65535 || Host.empty()) {
        Error = "invalid tcp address '" + Text + "'";
        return false;
    }
    Out.Kind = EKind::Tcp;
    Out.Host = Host;
    Out.Port = static_cast<uint16_t>(Port);
    return true;
}

std::string Address::ToString() const
{
    if (Kind == EKind::Unix) return "unix://" + Path;
    bool bV6 = Host.find(':') != std::string::npos;
    return "tcp://" + (bV6 ? "[" + Host + "]" : Host) + ":" + std::to_string(Port);
}

const char* IoName(EIo Result)
{
    switch (Result) {
        case EIo::Ok: return "ok";
        case EIo::Closed: return "connection closed";
        case EIo::TimedOut: return "timed out";
        case EIo::TooLarge: return "frame too large";
        case EIo::Failed: return "socket error";
    }
    return "unknown";
}

// -- Connection ----------------------------------------------------------------------

Connection::Connection() : CloseLock(new std::mutex()) {}

Connection::Connection(intptr_t Handle, std::string PeerName)
    : Socket(Handle), CloseLock(new std::mutex()), Peer(std::move(PeerName))
{
}

Connection::~Connection() { Close(); }

Connection::Connection(Connection&& Other) noexcept
    : Socket(Other.Socket.exchange(InvalidHandle)), CloseLock(std::move(Other.CloseLock)), Peer(std::move(Other.Peer))
{
    Other.CloseLock.reset(new std::mutex());
}

Connection& Connection::operator=(Connection&& Other) noexcept
{
    if (this != &Other) {
        Close();
        Socket.store(Other.Socket.exchange(InvalidHandle));
        std::swap(CloseLock, Other.CloseLock);
        Peer = std::move(Other.Peer);
    }
    return *this;
}

void Connection::Shutdown()
{
    std::lock_guard<std::mutex> Guard(*CloseLock);
    intptr_t Handle = Socket.load();
#if defined(_WIN32)
    if (Handle != InvalidHandle) shutdown(Native(Handle), SD_BOTH);
#else
    if (Handle != InvalidHandle) shutdown(Native(Handle), SHUT_RDWR);
#endif
}

void Connection::Close()
{
    std::lock_guard<std::mutex> Guard(*CloseLock);
    intptr_t Handle = Socket.exchange(InvalidHandle);
    if (Handle != InvalidHandle) CloseNative(Native(Handle));
}

EIo Connection::Wait(bool bWrite, const Deadline& Until)
{
    for (;;) {
        intptr_t Handle = Socket.load();
        if (Handle == InvalidHandle) return EIo::Closed;
        pollfd Fd;
        Fd.fd = Native(Handle);
        Fd.events = bWrite ? POLLOUT : POLLIN;
        Fd.revents = 0;
        int Ready = PollNative(&Fd, 1, Until.RemainingMs());
        if (Ready > 0) return EIo::Ok;  // readable, writable, hung up or failed: the I/O call tells which
        if (Ready == 0) return EIo::TimedOut;
        if (!WouldBlock(LastError())) return EIo::Failed;
    }
}

EIo Connection::SendAll(const uint8_t* Data, size_t Size, int TimeoutMs)
{
    Deadline Until = Deadline::After(TimeoutMs);
    size_t Sent = 0;
    while (Sent < Size) {
        intptr_t Handle = Socket.load();
        if (Handle == InvalidHandle) return EIo::Closed;
        size_t Chunk = Size - Sent > (1u << 30) ? (1u << 30) : Size - Sent;
        auto Count = send(Native(Handle), reinterpret_cast<const char*>(Data + Sent), static_cast<int>(Chunk), SendFlags);
        if (Count > 0) {
            Sent += static_cast<size_t>(Count);
            continue;
        }
        int Error = LastError();
        if (Count < 0 && WouldBlock(Error)) {
            EIo Waited = Wait(true, Until);
            if (Waited != EIo::Ok) return Waited;
            continue;
        }
        return EIo::Closed;
    }
    return EIo::Ok;
}

EIo Connection::ReceiveAll(uint8_t* Data, size_t Size, const Deadline& Until)
{
    size_t Received = 0;
    while (Received < Size) {
        intptr_t Handle = Socket.load();
        if (Handle == InvalidHandle) return EIo::Closed;
        size_t Chunk = Size - Received > (1u << 30) ? (1u << 30) : Size - Received;
        auto Count = recv(Native(Handle), reinterpret_cast<char*>(Data + Received), static_cast<int>(Chunk), 0);
        if (Count > 0) {
            Received += static_cast<size_t>(Count);
            continue;
        }
        if (Count == 0) return EIo::Closed;
        if (!WouldBlock(LastError())) return EIo::Closed;
        EIo Waited = Wait(false, Until);
        if (Waited != EIo::Ok) return Waited;
    }
    return EIo::Ok;
}

EIo Connection::ReceiveFrame(Bytes& Out, int IdleTimeoutMs, int FrameTimeoutMs, uint32_t MaxFrameSize,
                             uint32_t* FrameLength)
{
    uint8_t Header[FrameHeaderSize];
    // The first byte may take as long as the idle timeout; the rest of the frame must
    // follow within the frame timeout (a silent or trickling peer cannot hold a thread).
    EIo First = ReceiveAll(Header, 1, Deadline::After(IdleTimeoutMs));
    if (First != EIo::Ok) return First;
    Deadline Until = Deadline::After(FrameTimeoutMs);
    EIo Rest = ReceiveAll(Header + 1, FrameHeaderSize - 1, Until);
    if (Rest != EIo::Ok) return Rest;
    uint32_t Length = static_cast<uint32_t>(Header[0]) | (static_cast<uint32_t>(Header[1]) << 8) |
                      (static_cast<uint32_t>(Header[2]) << 16) | (static_cast<uint32_t>(Header[3]) << 24);
    if (FrameLength != nullptr) *FrameLength = Length;
    if (Length > MaxFrameSize) return EIo::TooLarge;
    Out.resize(Length);
    return ReceiveAll(Out.data(), Length, Until);
}

// -- Listener ------------------------------------------------------------------------

Listener::~Listener() { Close(); }

bool Listener::Listen(const Address& Where, std::string& Error)
{
    if (!StartSockets()) {
        Error = "the socket library did not start";
        return false;
    }
    sockaddr_storage Storage;
    SocketLength Length = 0;
    if (!MakeSockAddr(Where, Storage, Length, Error)) return false;
    NativeSocket S = socket(Storage.ss_family, SOCK_STREAM, 0);
    if (S == BadSocket) {
        Error = "socket(): " + ErrorText(LastError());
        return false;
    }
    // No SO_REUSEADDR: a port in use must be reported, never shared (it may be on Windows).
    if (bind(S, reinterpret_cast<sockaddr*>(&Storage), Length) != 0 || listen(S, 64) != 0) {
        Error = "cannot listen on " + Where.ToString() + ": " + ErrorText(LastError());
        CloseNative(S);
        return false;
    }
    SetNonBlocking(S);
    BoundAddress = Where;
    if (Where.Kind == Address::EKind::Tcp) {
        sockaddr_storage Actual;
        SocketLength ActualLength = sizeof Actual;
        if (getsockname(S, reinterpret_cast<sockaddr*>(&Actual), &ActualLength) == 0) {
            BoundAddress.Port = Actual.ss_family == AF_INET6
                                    ? ntohs(reinterpret_cast<sockaddr_in6*>(&Actual)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&Actual)->sin_port);
        }
    }
    Socket.store(static_cast<intptr_t>(S));
    return true;
}

EIo Listener::Accept(Connection& Out, int TimeoutMs)
{
    Deadline Until = Deadline::After(TimeoutMs);
    for (;;) {
        intptr_t Handle = Socket.load();
        if (Handle == Connection::InvalidHandle) return EIo::Closed;
        pollfd Fd;
        Fd.fd = Native(Handle);
        Fd.events = POLLIN;
        Fd.revents = 0;
        int Ready = PollNative(&Fd, 1, Until.RemainingMs());
        if (Ready == 0) return EIo::TimedOut;
        if (Ready < 0) {
            if (WouldBlock(LastError())) continue;
            return EIo::Failed;
        }
        sockaddr_storage Peer;
        SocketLength PeerLength = sizeof Peer;
        NativeSocket S = accept(Native(Handle), reinterpret_cast<sockaddr*>(&Peer), &PeerLength);
        if (S == BadSocket) {
            if (Socket.load() == Connection::InvalidHandle) return EIo::Closed;
            if (Until.Expired()) return EIo::TimedOut;
            continue;  // the client left before we accepted it, or a spurious wake-up
        }
        ConfigureStream(S, BoundAddress.Kind == Address::EKind::Tcp);
        std::string Name = BoundAddress.Kind == Address::EKind::Unix ? BoundAddress.ToString() : "tcp peer";
        if (Peer.ss_family == AF_INET) {
            char Text[INET_ADDRSTRLEN] = {0};
            const sockaddr_in* In = reinterpret_cast<const sockaddr_in*>(&Peer);
            inet_ntop(AF_INET, &In->sin_addr, Text, sizeof Text);
            Name = std::string("tcp://") + Text + ":" + std::to_string(ntohs(In->sin_port));
        }
        Out = Connection(static_cast<intptr_t>(S), Name);
        return EIo::Ok;
    }
}

void Listener::Close()
{
    intptr_t Handle = Socket.exchange(Connection::InvalidHandle);
    if (Handle == Connection::InvalidHandle) return;
    CloseNative(Native(Handle));
#if RLAY_HAS_UNIX_SOCKETS
    if (BoundAddress.Kind == Address::EKind::Unix) unlink(BoundAddress.Path.c_str());
#endif
}

// -- Dial ----------------------------------------------------------------------------

bool Dial(const Address& Where, int TimeoutMs, Connection& Out, std::string& Error)
{
    if (!StartSockets()) {
        Error = "the socket library did not start";
        return false;
    }
    sockaddr_storage Storage;
    SocketLength Length = 0;
    if (!MakeSockAddr(Where, Storage, Length, Error)) return false;
    Deadline Until = Deadline::After(TimeoutMs);
    int Delay = 20;
    for (;;) {
        NativeSocket S = socket(Storage.ss_family, SOCK_STREAM, 0);
        if (S == BadSocket) {
            Error = "socket(): " + ErrorText(LastError());
            return false;
        }
        SetNonBlocking(S);
        int Result = connect(S, reinterpret_cast<sockaddr*>(&Storage), Length);
        int Code = Result == 0 ? 0 : LastError();
        if (Result != 0 && InProgress(Code)) {
            pollfd Fd;
            Fd.fd = S;
            Fd.events = POLLOUT;
            Fd.revents = 0;
            int Ready = PollNative(&Fd, 1, Until.RemainingMs());
            if (Ready <= 0) {
                CloseNative(S);
                Error = "timed out connecting to " + Where.ToString();
                return false;
            }
            int SocketError = 0;
            SocketLength ErrorLength = sizeof SocketError;
            getsockopt(S, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&SocketError), &ErrorLength);
            Code = SocketError;
        }
        if (Code == 0) {
            ConfigureStream(S, Where.Kind == Address::EKind::Tcp);
            Out = Connection(static_cast<intptr_t>(S), Where.ToString());
            return true;
        }
        CloseNative(S);
        if (!Refused(Code) || Until.Expired()) {
            Error = "cannot connect to " + Where.ToString() + ": " + ErrorText(Code);
            return false;
        }
        // Nothing listens yet (the agent may still be starting): retry with a short backoff.
        int Left = Until.RemainingMs();
        int Sleep = Left >= 0 && Left < Delay ? Left : Delay;
        std::this_thread::sleep_for(std::chrono::milliseconds(Sleep));
        Delay = Delay * 2 > 250 ? 250 : Delay * 2;
    }
}

}  // namespace rlay
