## The integer draws of conformance/ENVIRONMENTS.md section 1, on GDScript's
## signed 64-bit int: additions and multiplications wrap like u64, and a
## logical shift right masks off the sign bits an arithmetic shift brings in.
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
## The key of a fresh sub-environment.
const K0 := 0x0123456789ABCDEF
## The FNV-1a offset basis: the action digest of a fresh episode.
const ACC0 := 0x811C9DC5
# splitmix64's constants as signed int64 (their u64 values are above 2^63).
const _GOLDEN := -7046029254386353131  # 0x9E3779B97F4A7C15
const _MUL1 := -4658895280553007687  # 0xBF58476D1CE4E5B9
const _MUL2 := -7723592293110705685  # 0x94D049BB133111EB


## Logical shift right (n in 1..63).
static func lsr(value: int, n: int) -> int:
	return (value >> n) & ((1 << (64 - n)) - 1)


## splitmix64's output function.
static func mix(x: int) -> int:
	var z := x + _GOLDEN
	z = (z ^ lsr(z, 30)) * _MUL1
	z = (z ^ lsr(z, 27)) * _MUL2
	return z ^ lsr(z, 31)


static func draw(x: int, j: int) -> int:
	return mix(x + j)


## An integer in [0, n).
static func uniform(x: int, j: int, n: int) -> int:
	return lsr(draw(x, j), 33) % n


## 32-bit FNV-1a over bytes.
static func fold(acc: int, bytes: PackedByteArray) -> int:
	for b in bytes:
		acc = ((acc ^ b) * 16777619) & 0xFFFF_FFFF
	return acc


## The low 32 bits read as int32.
static func s32(value: int) -> int:
	value &= 0xFFFF_FFFF
	return value - 0x1_0000_0000 if value >= 0x8000_0000 else value


## The step state of section 1.
static func step_state(key: int, t: int, acc: int) -> int:
	return mix(key ^ ((t << 32) | acc))


## The key after a reset: mix(seed) with a seed, mix(key) without.
static func next_key(key: int, seed: Variant) -> int:
	return mix(key) if seed == null else mix(seed)


## The canonical element bytes of an action (ENVIRONMENTS.md section 1), given its
## element-form Value and space.
static func element_bytes(space: V1.Space, value: V1.Value) -> PackedByteArray:
	var out := PackedByteArray()
	match space.kind_case:
		V1.Space.KIND_BOX, V1.Space.KIND_MULTI_DISCRETE, V1.Space.KIND_MULTI_BINARY:
			out = value.tensor.data
		V1.Space.KIND_DISCRETE:
			out.resize(8)
			out.encode_s64(0, value.int_value)
		V1.Space.KIND_TEXT:
			out = value.string_value.to_utf8_buffer()
			out.append(0xFF)
		V1.Space.KIND_TUPLE:
			for i in space.tuple.spaces.size():
				out.append_array(element_bytes(space.tuple.spaces[i], value.tuple_value.items[i]))
		V1.Space.KIND_DICT:
			for entry in space.dict.entries:
				for item in value.map_value.entries:
					if item.key == entry.key:
						out.append_array(element_bytes(entry.space, item.value))
		V1.Space.KIND_ONE_OF:
			var index: int = value.one_of_value.index
			out.append(index)
			out.append_array(element_bytes(space.one_of.spaces[index], value.one_of_value.value))
	return out
