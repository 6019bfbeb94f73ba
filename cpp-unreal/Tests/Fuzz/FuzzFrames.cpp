// libFuzzer target: frame and message decoding, the code that meets hostile bytes.
// Input: a byte stream as a connection delivers it (u32 length + message, repeated).
// Every frame is decoded as a SessionRequest (what the env side reads), a
// SessionResponse and a Value; whatever decodes must re-encode and decode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "RlayService.g.h"
#include "RlaySession.g.h"
#include "RlaySpaceValues.h"
#include "RlayTransport.h"

namespace {

template <typename Message>
void RoundTrip(const uint8_t* Data, size_t Size)
{
    Message First;
    if (!First.ParseFromArray(Data, Size)) return;
    rlay::Bytes Encoded = First.SerializeAsBytes();
    Message Second;
    if (!Second.ParseFromArray(Encoded.data(), Encoded.size())) std::abort();
    if (Second.SerializeAsBytes() != Encoded) std::abort();
    std::string Json = Second.ToJson();
    (void)Json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* Data, size_t Size)
{
    size_t At = 0;
    while (Size - At >= rlay::FrameHeaderSize) {
        uint32_t Length = static_cast<uint32_t>(Data[At]) | (static_cast<uint32_t>(Data[At + 1]) << 8) |
                          (static_cast<uint32_t>(Data[At + 2]) << 16) | (static_cast<uint32_t>(Data[At + 3]) << 24);
        At += rlay::FrameHeaderSize;
        // As the session does: a length past the maximum (here, past the input) is refused unread.
        if (Length > Size - At) Length = static_cast<uint32_t>(Size - At);
        const uint8_t* Frame = Data + At;
        RoundTrip<rlay::v1::SessionRequest>(Frame, Length);
        RoundTrip<rlay::v1::SessionResponse>(Frame, Length);
        RoundTrip<rlay::v1::Value>(Frame, Length);
        rlay::v1::StepRequest Step;
        rlay::v1::Space Space;
        if (Step.ParseFromArray(Frame, Length) && Space.ParseFromArray(Frame, Length / 2)) {
            // Checking actions against an arbitrary space must fail cleanly, never crash.
            std::vector<rlay::v1::Value> Actions;
            rlay::Unbatch(Space, Step.actions(), 2, Actions);
        }
        At += Length;
    }
    return 0;
}
