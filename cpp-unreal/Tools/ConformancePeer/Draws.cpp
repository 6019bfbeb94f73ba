#include "Draws.h"

#include <cstring>
#include <string>

#include "RlayValues.h"

namespace rlay::conformance {

uint64_t Mix(uint64_t X)
{
    uint64_t Z = X + 0x9E3779B97F4A7C15ull;
    Z = (Z ^ (Z >> 30)) * 0xBF58476D1CE4E5B9ull;
    Z = (Z ^ (Z >> 27)) * 0x94D049BB133111EBull;
    return Z ^ (Z >> 31);
}

uint64_t D(uint64_t X, int J) { return Mix(X + static_cast<uint64_t>(J)); }

int64_t U(uint64_t X, int J, int64_t N) { return static_cast<int64_t>((D(X, J) >> 33) % static_cast<uint64_t>(N)); }

uint32_t Fold(uint32_t Acc, const Bytes& Data)
{
    for (uint8_t B : Data) Acc = (Acc ^ B) * 16777619u;
    return Acc;
}

void ElementBytes(const v1::Space& Space, const v1::Value& X, Bytes& Out)
{
    if (Space.has_box() || Space.has_multi_discrete() || Space.has_multi_binary()) {
        const Bytes& Data = X.tensor().data;
        Out.insert(Out.end(), Data.begin(), Data.end());
    } else if (Space.has_discrete()) {
        int64_t V = X.int_value();
        uint8_t Raw[8];
        std::memcpy(Raw, &V, 8);
        Out.insert(Out.end(), Raw, Raw + 8);
    } else if (Space.has_text()) {
        const std::string& Text = X.string_value();
        Out.insert(Out.end(), Text.begin(), Text.end());
        Out.push_back(0xFF);
    } else if (Space.has_tuple()) {
        for (size_t I = 0; I < Space.tuple().spaces.size(); ++I) {
            ElementBytes(Space.tuple().spaces[I], X.tuple_value().items[I], Out);
        }
    } else if (Space.has_dict()) {
        for (const v1::DictSpaceEntry& Entry : Space.dict().entries) ElementBytes(Entry.space(), *Get(X, Entry.key), Out);
    } else if (Space.has_one_of()) {
        int64_t Index = X.one_of_value().index;
        Out.push_back(static_cast<uint8_t>(Index));
        ElementBytes(Space.one_of().spaces[static_cast<size_t>(Index)], X.one_of_value().value(), Out);
    }
}

}  // namespace rlay::conformance
