## Values: build and read rlay.v1.Value (infos, call arguments, metadata, elements).
##
## [codeblock]
## var info := Values.map(["lives", "pos"], [Values.integer(3), Values.real(0.5)])
## Values.get_entry(info, "lives").int_value  # 3
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const KIND_NAMES := [
	"none",
	"bool",
	"int",
	"float",
	"string",
	"bytes",
	"tensor",
	"list",
	"tuple",
	"map",
	"graph",
	"one_of"
]


static func none() -> V1.Value:
	return V1.Value.new()


static func boolean(value: bool) -> V1.Value:
	var v := V1.Value.new()
	v.set_bool_value(value)
	return v


static func integer(value: int) -> V1.Value:
	var v := V1.Value.new()
	v.set_int_value(value)
	return v


static func real(value: float) -> V1.Value:
	var v := V1.Value.new()
	v.set_float_value(value)
	return v


static func string(value: String) -> V1.Value:
	var v := V1.Value.new()
	v.set_string_value(value)
	return v


static func tensor(value: V1.Tensor) -> V1.Value:
	var v := V1.Value.new()
	v.set_tensor(value)
	return v


static func _items(items: Array) -> V1.ValueList:
	var list := V1.ValueList.new()
	for item in items:
		list.items.append(item)
	return list


static func list(items: Array) -> V1.Value:
	var v := V1.Value.new()
	v.set_list_value(_items(items))
	return v


static func tuple(items: Array) -> V1.Value:
	var v := V1.Value.new()
	v.set_tuple_value(_items(items))
	return v


## A map_value with keys in the order given.
static func map(keys: Array, values: Array) -> V1.Value:
	var value_map := V1.ValueMap.new()
	for i in keys.size():
		var entry := V1.ValueMapEntry.new()
		entry.key = keys[i]
		entry.value = values[i]
		value_map.entries.append(entry)
	var v := V1.Value.new()
	v.set_map_value(value_map)
	return v


static func empty_map() -> V1.Value:
	return map([], [])


static func one_of(index: int, value: V1.Value) -> V1.Value:
	var one := V1.OneOfValue.new()
	one.index = index
	one.value = value
	var v := V1.Value.new()
	v.set_one_of_value(one)
	return v


static func kind_name(value: V1.Value) -> String:
	if value == null:
		return "none"
	return KIND_NAMES[value.kind_case] if value.kind_case < KIND_NAMES.size() else "unknown"


## The value under key in a map_value, or null.
static func get_entry(value: V1.Value, key: String) -> V1.Value:
	if value == null or value.kind_case != V1.Value.KIND_MAP_VALUE:
		return null
	for entry in value.map_value.entries:
		if entry.key == key:
			return entry.value
	return null


## True for an unset Value or an empty map_value (what an empty info is).
static func is_empty_info(value: V1.Value) -> bool:
	if value == null or value.kind_case == V1.Value.KIND_NOT_SET:
		return true
	return value.kind_case == V1.Value.KIND_MAP_VALUE and value.map_value.entries.is_empty()


## Append one info per element to target (null counts as empty), or nothing when
## every info is empty: an empty list means "every info is empty", so the common
## case costs nothing.
static func add_infos(target: Array[V1.Value], infos: Array) -> void:
	var any := false
	for info in infos:
		any = any or not is_empty_info(info)
	if not any:
		return
	for info in infos:
		target.append(info if info != null else empty_map())
