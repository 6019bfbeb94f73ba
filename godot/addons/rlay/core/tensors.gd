## Tensors: dtype + shape + little-endian C-order bytes in a PackedByteArray.
##
## Godot runs on little-endian machines only, so Packed*Array.to_byte_array()
## already is the wire layout: no per-element work for the common dtypes.
##
## [codeblock]
## var t := Tensors.from_float32(PackedFloat32Array([0.5, 1.0]), [2])
## Tensors.to_floats(t)  # [0.5, 1.0]
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")

## Bytes per element, by Dtype.
const ITEM_SIZES := {
	V1.Dtype.DTYPE_BOOL: 1,
	V1.Dtype.DTYPE_INT8: 1,
	V1.Dtype.DTYPE_INT16: 2,
	V1.Dtype.DTYPE_INT32: 4,
	V1.Dtype.DTYPE_INT64: 8,
	V1.Dtype.DTYPE_UINT8: 1,
	V1.Dtype.DTYPE_UINT16: 2,
	V1.Dtype.DTYPE_UINT32: 4,
	V1.Dtype.DTYPE_UINT64: 8,
	V1.Dtype.DTYPE_FLOAT16: 2,
	V1.Dtype.DTYPE_FLOAT32: 4,
	V1.Dtype.DTYPE_FLOAT64: 8,
}
const NAMES := {
	V1.Dtype.DTYPE_BOOL: "bool",
	V1.Dtype.DTYPE_INT8: "int8",
	V1.Dtype.DTYPE_INT16: "int16",
	V1.Dtype.DTYPE_INT32: "int32",
	V1.Dtype.DTYPE_INT64: "int64",
	V1.Dtype.DTYPE_UINT8: "uint8",
	V1.Dtype.DTYPE_UINT16: "uint16",
	V1.Dtype.DTYPE_UINT32: "uint32",
	V1.Dtype.DTYPE_UINT64: "uint64",
	V1.Dtype.DTYPE_FLOAT16: "float16",
	V1.Dtype.DTYPE_FLOAT32: "float32",
	V1.Dtype.DTYPE_FLOAT64: "float64",
}


static func make(dtype: int, shape: Array, data: PackedByteArray) -> V1.Tensor:
	var tensor := V1.Tensor.new()
	tensor.dtype = dtype
	tensor.shape = PackedInt64Array(shape)
	tensor.data = data
	return tensor


static func count(shape: PackedInt64Array) -> int:
	var n := 1
	for size in shape:
		n *= size
	return n


static func is_float(dtype: int) -> bool:
	return dtype in [V1.Dtype.DTYPE_FLOAT16, V1.Dtype.DTYPE_FLOAT32, V1.Dtype.DTYPE_FLOAT64]


static func from_int64(values: PackedInt64Array, shape: Array) -> V1.Tensor:
	return make(V1.Dtype.DTYPE_INT64, shape, values.to_byte_array())


static func from_int32(values: PackedInt32Array, shape: Array) -> V1.Tensor:
	return make(V1.Dtype.DTYPE_INT32, shape, values.to_byte_array())


static func from_float64(values: PackedFloat64Array, shape: Array) -> V1.Tensor:
	return make(V1.Dtype.DTYPE_FLOAT64, shape, values.to_byte_array())


static func from_float32(values: PackedFloat32Array, shape: Array) -> V1.Tensor:
	return make(V1.Dtype.DTYPE_FLOAT32, shape, values.to_byte_array())


static func from_uint8(values: PackedByteArray, shape: Array) -> V1.Tensor:
	return make(V1.Dtype.DTYPE_UINT8, shape, values)


static func from_bools(values: Array, shape: Array) -> V1.Tensor:
	var data := PackedByteArray()
	data.resize(values.size())
	for i in values.size():
		data[i] = 1 if values[i] else 0
	return make(V1.Dtype.DTYPE_BOOL, shape, data)


## Integers (int64 bit patterns) in any integer or bool dtype, wrapped to its width.
static func from_ints(dtype: int, values: Array, shape: Array) -> V1.Tensor:
	var size: int = ITEM_SIZES[dtype]
	var data := PackedByteArray()
	data.resize(values.size() * size)
	for i in values.size():
		var v: int = values[i]
		match size:
			1:
				data[i] = v & 0xFF
			2:
				data.encode_u16(i * 2, v & 0xFFFF)
			4:
				data.encode_u32(i * 4, v & 0xFFFF_FFFF)
			_:
				data.encode_s64(i * 8, v)
	return make(dtype, shape, data)


## Floats in a float dtype (float16 rounds as IEEE half).
static func from_floats(dtype: int, values: Array, shape: Array) -> V1.Tensor:
	var size: int = ITEM_SIZES[dtype]
	var data := PackedByteArray()
	data.resize(values.size() * size)
	for i in values.size():
		match size:
			2:
				data.encode_half(i * 2, values[i])
			4:
				data.encode_float(i * 4, values[i])
			_:
				data.encode_double(i * 8, values[i])
	return make(dtype, shape, data)


## A tensor with every element equal to value (fast for large shapes: the bytes
## of one element are doubled until they fill the tensor).
static func filled(dtype: int, shape: Array, value: Variant) -> V1.Tensor:
	var one: V1.Tensor = (
		from_floats(dtype, [value], [1]) if is_float(dtype) else from_ints(dtype, [value], [1])
	)
	var total: int = count(PackedInt64Array(shape)) * one.data.size()
	var data := one.data
	while data.size() * 2 <= total:
		data.append_array(data)
	if data.size() < total:
		data.append_array(data.slice(0, total - data.size()))
	return make(dtype, shape, data.slice(0, total) if total < data.size() else data)


## Every element as an int (unsigned dtypes zero-extended, uint64 as its bits).
static func to_ints(tensor: V1.Tensor) -> PackedInt64Array:
	var out := PackedInt64Array()
	var data := tensor.data
	var size: int = ITEM_SIZES.get(tensor.dtype, 0)
	if size == 0 or is_float(tensor.dtype):
		return out
	var signed := tensor.dtype in [V1.Dtype.DTYPE_INT8, V1.Dtype.DTYPE_INT16, V1.Dtype.DTYPE_INT32]
	out.resize(data.size() / size)
	for i in out.size():
		match size:
			1:
				out[i] = data.decode_s8(i) if signed else data[i]
			2:
				out[i] = data.decode_s16(i * 2) if signed else data.decode_u16(i * 2)
			4:
				out[i] = data.decode_s32(i * 4) if signed else data.decode_u32(i * 4)
			_:
				out[i] = data.decode_s64(i * 8)
	return out


## Every element of a float tensor as a float.
static func to_floats(tensor: V1.Tensor) -> PackedFloat64Array:
	var out := PackedFloat64Array()
	var data := tensor.data
	match tensor.dtype:
		V1.Dtype.DTYPE_FLOAT64:
			out = data.to_float64_array()
		V1.Dtype.DTYPE_FLOAT32:
			out = PackedFloat64Array(data.to_float32_array())
		V1.Dtype.DTYPE_FLOAT16:
			out.resize(data.size() / 2)
			for i in out.size():
				out[i] = data.decode_half(i * 2)
	return out


## "" when tensor has this dtype and shape with whole data, else the reason.
static func check(tensor: V1.Tensor, dtype: int, shape: PackedInt64Array, path: String) -> String:
	if tensor.dtype != dtype:
		return (
			"%s: expected dtype %s, got %s"
			% [path, NAMES.get(dtype, "?"), NAMES.get(tensor.dtype, str(tensor.dtype))]
		)
	if tensor.shape != shape:
		return "%s: expected shape %s, got %s" % [path, shape, tensor.shape]
	if tensor.data.size() != count(shape) * ITEM_SIZES[dtype]:
		return (
			"%s: expected %d bytes of data, got %d"
			% [path, count(shape) * ITEM_SIZES[dtype], tensor.data.size()]
		)
	return ""
