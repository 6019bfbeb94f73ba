// Stand-ins for exactly the Unreal Engine types, functions and macros the glue
// (Source/Rlay) and the CartPole sample use, so that g++ compiles the real glue here and
// its logic can be tested without an engine. UHT's macros are empty; the bodies UHT
// would generate for BlueprintNativeEvents are in StubsGenerated.cpp. Behaviour follows
// the engine's documentation for the few calls whose results the glue uses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cwchar>
#include <cwctype>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using int8 = int8_t;
using int16 = int16_t;
using int32 = int32_t;
using int64 = int64_t;
using uint8 = uint8_t;
using uint16 = uint16_t;
using uint32 = uint32_t;
using uint64 = uint64_t;
using TCHAR = wchar_t;
#define TEXT(x) L##x

#define UCLASS(...)
#define USTRUCT(...)
#define UENUM(...)
#define UPROPERTY(...)
#define UFUNCTION(...)
#define GENERATED_BODY()
#define RLAY_API
#define RLAYCORE_API

// -- strings -------------------------------------------------------------------------

class FString {
public:
    FString() = default;
    FString(const TCHAR* Text) : Data(Text ? Text : L"") {}
    explicit FString(std::wstring Text) : Data(std::move(Text)) {}
    const TCHAR* operator*() const { return Data.c_str(); }
    int32 Len() const { return static_cast<int32>(Data.size()); }
    bool IsEmpty() const { return Data.empty(); }
    bool operator==(const FString& Other) const { return Data == Other.Data; }
    bool operator!=(const FString& Other) const { return Data != Other.Data; }
    bool operator<(const FString& Other) const { return Data < Other.Data; }
    FString operator+(const FString& Other) const { return FString(Data + Other.Data); }
    FString& operator+=(const FString& Other)
    {
        Data += Other.Data;
        return *this;
    }
    static FString FromInt(int32 Value) { return FString(std::to_wstring(Value)); }
    static FString SanitizeFloat(double Value) { return FString(std::to_wstring(Value)); }
    static FString Printf(const TCHAR* Format, ...)
    {
        // Unreal's %s takes a TCHAR string; the C library's wide printf spells that %ls.
        std::wstring Wide;
        for (const TCHAR* P = Format; *P; ++P) {
            Wide += *P;
            if (P[0] == L'%' && P[1] == L's') Wide += L'l';
        }
        wchar_t Buffer[2048];
        va_list Args;
        va_start(Args, Format);
        std::vswprintf(Buffer, 2048, Wide.c_str(), Args);
        va_end(Args);
        return FString(Buffer);
    }
    const std::wstring& Wide() const { return Data; }

private:
    std::wstring Data;
};

/// UTF-8 <-> TCHAR, as Unreal's conversion macros (BMP only is enough for these tests).
struct FStubUtf8 {
    explicit FStubUtf8(const TCHAR* Text)
    {
        for (; Text && *Text; ++Text) {
            uint32 C = static_cast<uint32>(*Text);
            if (C < 0x80) {
                Bytes += static_cast<char>(C);
            } else if (C < 0x800) {
                Bytes += static_cast<char>(0xC0 | (C >> 6));
                Bytes += static_cast<char>(0x80 | (C & 0x3F));
            } else {
                Bytes += static_cast<char>(0xE0 | (C >> 12));
                Bytes += static_cast<char>(0x80 | ((C >> 6) & 0x3F));
                Bytes += static_cast<char>(0x80 | (C & 0x3F));
            }
        }
    }
    const char* Get() const { return Bytes.c_str(); }
    int32 Length() const { return static_cast<int32>(Bytes.size()); }
    std::string Bytes;
};
struct FStubWide {
    explicit FStubWide(const char* Text)
    {
        const unsigned char* P = reinterpret_cast<const unsigned char*>(Text);
        while (P && *P) {
            uint32 C = *P++;
            if (C >= 0xE0) {
                C = ((C & 0x0F) << 12) | ((P[0] & 0x3Fu) << 6) | (P[1] & 0x3Fu);
                P += 2;
            } else if (C >= 0xC0) {
                C = ((C & 0x1F) << 6) | (P[0] & 0x3Fu);
                P += 1;
            }
            Wide += static_cast<wchar_t>(C);
        }
    }
    const TCHAR* Get() const { return Wide.c_str(); }
    std::wstring Wide;
};
#define TCHAR_TO_UTF8(Text) (FStubUtf8(Text).Get())
#define UTF8_TO_TCHAR(Text) (FStubWide(Text).Get())

// -- containers ----------------------------------------------------------------------

template <typename T>
class TArray {
public:
    TArray() = default;
    TArray(std::initializer_list<T> InItems) : Items(InItems) {}
    int32 Num() const { return static_cast<int32>(Items.size()); }
    bool IsEmpty() const { return Items.empty(); }
    int32 Add(const T& Item)
    {
        Items.push_back(Item);
        return Num() - 1;
    }
    void SetNum(int32 Count) { Items.resize(static_cast<size_t>(Count)); }
    void SetNumZeroed(int32 Count) { Items.assign(static_cast<size_t>(Count), T()); }
    void Reset() { Items.clear(); }
    void Empty() { Items.clear(); }
    int32 Remove(const T& Item)
    {
        size_t Before = Items.size();
        for (size_t I = 0; I < Items.size();) {
            if (Items[I] == Item) Items.erase(Items.begin() + static_cast<std::ptrdiff_t>(I));
            else ++I;
        }
        return static_cast<int32>(Before - Items.size());
    }
    bool Contains(const T& Item) const
    {
        for (const T& Each : Items)
            if (Each == Item) return true;
        return false;
    }
    T& operator[](int32 I) { return Items[static_cast<size_t>(I)]; }
    const T& operator[](int32 I) const { return Items[static_cast<size_t>(I)]; }
    T* GetData() { return Items.data(); }
    const T* GetData() const { return Items.data(); }
    template <typename Predicate>
    void StableSort(Predicate Less) { std::stable_sort(Items.begin(), Items.end(), Less); }
    typename std::vector<T>::iterator begin() { return Items.begin(); }
    typename std::vector<T>::iterator end() { return Items.end(); }
    typename std::vector<T>::const_iterator begin() const { return Items.begin(); }
    typename std::vector<T>::const_iterator end() const { return Items.end(); }

private:
    std::vector<T> Items;
};

template <typename K, typename V>
class TMap {
public:
    void Add(const K& Key, const V& Value) { Items[Key] = Value; }
    const V* Find(const K& Key) const
    {
        auto It = Items.find(Key);
        return It == Items.end() ? nullptr : &It->second;
    }

private:
    std::map<K, V> Items;
};

template <typename Signature>
using TFunction = std::function<Signature>;

template <typename T>
typename std::remove_reference<T>::type&& MoveTemp(T&& Value)
{
    return static_cast<typename std::remove_reference<T>::type&&>(Value);
}

struct FColor {
    uint8 B = 0, G = 0, R = 0, A = 255;  // Unreal's FColor is BGRA in memory
    FColor() = default;
    FColor(uint8 InR, uint8 InG, uint8 InB, uint8 InA = 255) : B(InB), G(InG), R(InR), A(InA) {}
};

// -- logging -------------------------------------------------------------------------

namespace ELogVerbosity {
enum Type { Error, Warning, Display, Log, Verbose };
}
struct FLogCategoryStub {
    const char* Name;
};
#define DECLARE_LOG_CATEGORY_EXTERN(Name, Default, Compile) extern FLogCategoryStub Name;
#define DEFINE_LOG_CATEGORY(Name) FLogCategoryStub Name{#Name};
#define DEFINE_LOG_CATEGORY_STATIC(Name, Default, Compile) static FLogCategoryStub Name{#Name};
/// Every UE_LOG line, for tests to inspect.
std::vector<std::wstring>& StubLogLines();
#define UE_LOG(Category, Verbosity, Format, ...)                                                     \
    do {                                                                                             \
        FString StubLine = FString::Printf(Format, ##__VA_ARGS__);                                   \
        StubLogLines().push_back(StubLine.Wide());                                                   \
        std::fprintf(stderr, "%s: %s: %ls\n", Category.Name, #Verbosity, *StubLine);                \
    } while (0)

// -- objects -------------------------------------------------------------------------

class UWorld;
class UObject {
public:
    virtual ~UObject() = default;
    virtual UWorld* GetWorld() const { return StubWorld; }
    UWorld* StubWorld = nullptr;
};

template <typename T>
T* NewObject(UObject* Outer = nullptr)
{
    T* Object = new T();
    if (Outer != nullptr) Object->StubWorld = Outer->GetWorld();
    return Object;
}

class AActor;
enum ETickingGroup { TG_PrePhysics, TG_DuringPhysics, TG_PostPhysics };
enum ELevelTick { LEVELTICK_All };
namespace EEndPlayReason {
enum Type { Destroyed, LevelTransition, EndPlayInEditor, RemovedFromWorld, Quit };
}
struct FActorComponentTickFunction {
    bool bCanEverTick = false;
    ETickingGroup TickGroup = TG_DuringPhysics;
};
struct FActorTickFunction {
    bool bCanEverTick = false;
    ETickingGroup TickGroup = TG_DuringPhysics;
};

class UActorComponent : public UObject {
public:
    virtual void BeginPlay() {}
    virtual void EndPlay(const EEndPlayReason::Type Reason) { (void)Reason; }
    virtual void TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
    {
        (void)DeltaTime;
        (void)TickType;
        (void)ThisTickFunction;
    }
    AActor* GetOwner() const { return Owner; }
    FString GetName() const { return Name; }
    FActorComponentTickFunction PrimaryComponentTick;
    AActor* Owner = nullptr;
    FString Name = TEXT("Component");
};

class USceneComponent : public UActorComponent {};

class AActor : public UObject {
public:
    virtual void BeginPlay() {}
    virtual void EndPlay(const EEndPlayReason::Type Reason) { (void)Reason; }
    virtual void Tick(float DeltaSeconds) { (void)DeltaSeconds; }
    template <typename T>
    T* CreateDefaultSubobject(const TCHAR* SubobjectName)
    {
        T* Component = new T();
        Component->Owner = this;
        Component->Name = SubobjectName;
        Components.push_back(Component);
        return Component;
    }
    template <typename T>
    T* FindComponentByClass() const
    {
        // The stand-in knows one component class per actor in these tests.
        return Components.empty() ? nullptr : static_cast<T*>(Components.front());
    }
    FString GetName() const { return Name; }
    FActorTickFunction PrimaryActorTick;
    USceneComponent* RootComponent = nullptr;
    std::vector<UActorComponent*> Components;
    FString Name = TEXT("Actor");
};

class UGameInstance;
class UWorld : public UObject {
public:
    UWorld* GetWorld() const override { return const_cast<UWorld*>(this); }
    UGameInstance* GetGameInstance() const { return OwningGameInstance; }
    UGameInstance* OwningGameInstance = nullptr;
    float TimeDilation = 1.0f;
};

// -- subsystems and ticking ----------------------------------------------------------

class FSubsystemCollectionBase {};
class USubsystem : public UObject {
public:
    virtual bool ShouldCreateSubsystem(UObject* Outer) const
    {
        (void)Outer;
        return true;
    }
    virtual void Initialize(FSubsystemCollectionBase& Collection) { (void)Collection; }
    virtual void Deinitialize() {}
};
class UGameInstance : public UObject {
public:
    template <typename T>
    T* GetSubsystem() const
    {
        return static_cast<T*>(Subsystem);
    }
    USubsystem* Subsystem = nullptr;
};
class UGameInstanceSubsystem : public USubsystem {
public:
    UGameInstance* GetGameInstance() const { return GameInstance; }
    UGameInstance* GameInstance = nullptr;
};

struct TStatId {};
#define RETURN_QUICK_DECLARE_CYCLE_STAT(Name, Group) return TStatId()
enum class ETickableTickType { Conditional, Always, Never };
class FTickableGameObject {
public:
    virtual ~FTickableGameObject() = default;
    virtual void Tick(float DeltaTime) = 0;
    virtual TStatId GetStatId() const = 0;
    virtual ETickableTickType GetTickableTickType() const { return ETickableTickType::Conditional; }
    virtual bool IsTickable() const { return true; }
    virtual bool IsTickableWhenPaused() const { return false; }
    virtual bool IsTickableInEditor() const { return false; }
};

// -- application, command line, platform ---------------------------------------------

class FApp {
public:
    static bool UseFixedTimeStep() { return bFixed(); }
    static void SetUseFixedTimeStep(bool bValue) { bFixed() = bValue; }
    static double GetFixedDeltaTime() { return Fixed(); }
    static void SetFixedDeltaTime(double Seconds) { Fixed() = Seconds; }
    static bool& bFixed()
    {
        static bool Value = false;
        return Value;
    }
    static double& Fixed()
    {
        static double Value = 1.0 / 30.0;
        return Value;
    }
};

struct FCommandLine {
    static const TCHAR* Get() { return Text().c_str(); }
    static void Set(const TCHAR* NewText) { Text() = NewText; }
    static std::wstring& Text()
    {
        static std::wstring Value;
        return Value;
    }
};

/// FParse::Value as the engine documents it: a case-insensitive search for the key
/// anywhere in the stream, the value up to whitespace (quotes allowed).
struct FParse {
    static bool Value(const TCHAR* Stream, const TCHAR* Match, FString& Out)
    {
        std::wstring Haystack = Lower(Stream);
        size_t At = Haystack.find(Lower(Match));
        if (At == std::wstring::npos) return false;
        const TCHAR* Start = Stream + At + std::wcslen(Match);
        while (*Start == L' ') ++Start;
        std::wstring Value;
        if (*Start == L'"') {
            for (++Start; *Start && *Start != L'"'; ++Start) Value += *Start;
        } else {
            for (; *Start && *Start != L' ' && *Start != L','; ++Start) Value += *Start;
        }
        Out = FString(Value);
        return true;
    }
    static bool Value(const TCHAR* Stream, const TCHAR* Match, int32& Out)
    {
        FString Text;
        if (!Value(Stream, Match, Text)) return false;
        Out = static_cast<int32>(std::wcstol(*Text, nullptr, 10));
        return true;
    }
    static bool Param(const TCHAR* Stream, const TCHAR* Flag)
    {
        std::wstring Haystack = L" " + Lower(Stream) + L" ";
        return Haystack.find(L" -" + Lower(Flag) + L" ") != std::wstring::npos;
    }
    static std::wstring Lower(const TCHAR* Text)
    {
        std::wstring Result(Text);
        for (wchar_t& C : Result) C = static_cast<wchar_t>(std::towlower(C));
        return Result;
    }
};

struct FPlatformMisc {
    static FString GetEnvironmentVariable(const TCHAR* Name)
    {
        const char* Value = std::getenv(TCHAR_TO_UTF8(Name));
        return Value == nullptr ? FString() : FString(UTF8_TO_TCHAR(Value));
    }
    static void RequestExit(bool bForce) { (void)bForce; }
};

// -- gameplay statics ----------------------------------------------------------------

class UGameplayStatics {
public:
    static void SetGlobalTimeDilation(const UObject* WorldContext, float Dilation)
    {
        if (WorldContext != nullptr && WorldContext->GetWorld() != nullptr) WorldContext->GetWorld()->TimeDilation = Dilation;
    }
    static float GetGlobalTimeDilation(const UObject* WorldContext)
    {
        return WorldContext != nullptr && WorldContext->GetWorld() != nullptr ? WorldContext->GetWorld()->TimeDilation : 1.0f;
    }
};

// -- rendering -----------------------------------------------------------------------

struct FReadSurfaceDataFlags {
    void SetLinearToGamma(bool bValue) { bLinearToGamma = bValue; }
    bool bLinearToGamma = true;
};

/// A render target whose pixels tests set directly (the engine renders into it).
class FTextureRenderTargetResource {
public:
    bool ReadPixels(TArray<FColor>& Out, FReadSurfaceDataFlags Flags = FReadSurfaceDataFlags())
    {
        (void)Flags;
        Out = Pixels;
        return Pixels.Num() > 0;
    }
    TArray<FColor> Pixels;
};

class UTextureRenderTarget2D : public UObject {
public:
    FTextureRenderTargetResource* GameThread_GetRenderTargetResource() { return &Resource; }
    int32 SizeX = 0;
    int32 SizeY = 0;
    FTextureRenderTargetResource Resource;
};

class USceneCaptureComponent2D : public USceneComponent {
public:
    void CaptureScene() { ++Captures; }
    UTextureRenderTarget2D* TextureTarget = nullptr;
    int32 Captures = 0;
};
