## Spaces: build rlay.v1.Space messages (Gymnasium's spaces, exactly) and check,
## split and join the values that travel in them.
##
## Actions arrive in batch form (one entry per sub-environment, see
## proto/rlay/v1/value.proto); [method unbatch] checks a batch against the
## space and returns one element per sub-environment, or a String naming what
## is wrong (the session answers ERROR_CODE_INVALID_ARGUMENT with it).
## [method batch] joins observations given per sub-environment.
##
## [codeblock]
## var space := Spaces.box(V1.Dtype.DTYPE_FLOAT32, [2], [-1.0, -1.0], [1.0, 1.0])
## var elements = Spaces.unbatch(space, step.actions, 1, "actions")
## if elements is String: ...   # the reason the batch does not fit
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")
const Values = preload("res://addons/rlay/core/values.gd")

# -- building ---------------------------------------------------------------------------


## Box with per-element bounds (low and high hold one number per element).
static func box(dtype: int, shape: Array, low: Array, high: Array) -> V1.Space:
	var space := V1.Space.new()
	var b := V1.BoxSpace.new()
	b.shape = PackedInt64Array(shape)
	b.dtype = dtype
	if Tensors.is_float(dtype):
		b.low = Tensors.from_floats(dtype, low, shape)
		b.high = Tensors.from_floats(dtype, high, shape)
	else:
		b.low = Tensors.from_ints(dtype, low, shape)
		b.high = Tensors.from_ints(dtype, high, shape)
	space.set_box(b)
	return space


## Box with the same bounds for every element.
static func box_uniform(dtype: int, shape: Array, low: Variant, high: Variant) -> V1.Space:
	var space := V1.Space.new()
	var b := V1.BoxSpace.new()
	b.shape = PackedInt64Array(shape)
	b.dtype = dtype
	b.low = Tensors.filled(dtype, shape, low)
	b.high = Tensors.filled(dtype, shape, high)
	space.set_box(b)
	return space


static func discrete(n: int, start: int = 0) -> V1.Space:
	var space := V1.Space.new()
	var d := V1.DiscreteSpace.new()
	d.n = n
	d.start = start
	d.dtype = V1.Dtype.DTYPE_INT64
	space.set_discrete(d)
	return space


static func multi_discrete(nvec: Array, start: Array, shape: Array) -> V1.Space:
	var space := V1.Space.new()
	var m := V1.MultiDiscreteSpace.new()
	m.nvec = Tensors.from_ints(V1.Dtype.DTYPE_INT64, nvec, shape)
	m.start = Tensors.from_ints(V1.Dtype.DTYPE_INT64, start, shape)
	space.set_multi_discrete(m)
	return space


static func multi_binary(shape: Array) -> V1.Space:
	var space := V1.Space.new()
	var m := V1.MultiBinarySpace.new()
	m.shape = PackedInt64Array(shape)
	space.set_multi_binary(m)
	return space


static func text(min_length: int, max_length: int, charset: String) -> V1.Space:
	var space := V1.Space.new()
	var t := V1.TextSpace.new()
	t.min_length = min_length
	t.max_length = max_length
	t.charset = charset
	space.set_text(t)
	return space


static func tuple(parts: Array) -> V1.Space:
	var space := V1.Space.new()
	var t := V1.TupleSpace.new()
	for part in parts:
		t.spaces.append(part)
	space.set_tuple(t)
	return space


## Dict with keys in the order given (the order is significant).
static func dict(keys: Array, parts: Array) -> V1.Space:
	var space := V1.Space.new()
	var d := V1.DictSpace.new()
	for i in keys.size():
		var entry := V1.DictSpaceEntry.new()
		entry.key = keys[i]
		entry.space = parts[i]
		d.entries.append(entry)
	space.set_dict(d)
	return space


static func sequence(feature: V1.Space, stack: bool) -> V1.Space:
	var space := V1.Space.new()
	var s := V1.SequenceSpace.new()
	s.feature_space = feature
	s.stack = stack
	space.set_sequence(s)
	return space


static func graph(node_space: V1.Space, edge_space: V1.Space) -> V1.Space:
	var space := V1.Space.new()
	var g := V1.GraphSpace.new()
	g.node_space = node_space
	g.edge_space = edge_space
	space.set_graph(g)
	return space


static func one_of(parts: Array) -> V1.Space:
	var space := V1.Space.new()
	var o := V1.OneOfSpace.new()
	for part in parts:
		o.spaces.append(part)
	space.set_one_of(o)
	return space


# -- batch form -> elements -------------------------------------------------------------


static func _prefixed(n: int, shape: PackedInt64Array) -> PackedInt64Array:
	var full := PackedInt64Array([n])
	full.append_array(shape)
	return full


static func _array_space(space: V1.Space) -> Array:
	match space.kind_case:
		V1.Space.KIND_BOX:
			return [space.box.dtype, space.box.shape]
		V1.Space.KIND_MULTI_DISCRETE:
			return [space.multi_discrete.nvec.dtype, space.multi_discrete.nvec.shape]
		V1.Space.KIND_MULTI_BINARY:
			return [V1.Dtype.DTYPE_INT8, space.multi_binary.shape]
		V1.Space.KIND_DISCRETE:
			var dtype := space.discrete.dtype
			return [dtype if dtype != 0 else V1.Dtype.DTYPE_INT64, PackedInt64Array()]
	return []


## One element Value per sub-environment, or a String naming what does not fit.
static func unbatch(space: V1.Space, batch: V1.Value, n: int, path: String) -> Variant:
	if batch == null:
		return "%s: missing" % path
	var array := _array_space(space)
	if not array.is_empty():
		return _unbatch_array(space, batch, n, path, array[0], array[1])
	match space.kind_case:
		V1.Space.KIND_TUPLE:
			return _unbatch_tuple(space, batch, n, path)
		V1.Space.KIND_DICT:
			return _unbatch_dict(space, batch, n, path)
	if batch.kind_case != V1.Value.KIND_LIST_VALUE:
		return "%s: expected a list, got %s" % [path, Values.kind_name(batch)]
	if batch.list_value.items.size() != n:
		return "%s: expected %d entries, got %d" % [path, n, batch.list_value.items.size()]
	var elements := []
	for i in n:
		var item: V1.Value = batch.list_value.items[i]
		var problem := check_element(space, item, "%s[%d]" % [path, i])
		if problem:
			return problem
		elements.append(item)
	return elements


static func _unbatch_array(
	space: V1.Space, batch: V1.Value, n: int, path: String, dtype: int, shape: PackedInt64Array
) -> Variant:
	if batch.kind_case != V1.Value.KIND_TENSOR:
		return "%s: expected a tensor, got %s" % [path, Values.kind_name(batch)]
	var problem := Tensors.check(batch.tensor, dtype, _prefixed(n, shape), path)
	if problem:
		return problem
	var size: int = Tensors.count(shape) * Tensors.ITEM_SIZES[dtype]
	var elements := []
	for i in n:
		var data := batch.tensor.data.slice(i * size, (i + 1) * size)
		var element := Tensors.make(dtype, Array(shape), data)
		if space.kind_case == V1.Space.KIND_DISCRETE:
			var item := Values.integer(Tensors.to_ints(element)[0])
			problem = check_element(space, item, "%s[%d]" % [path, i])
			if problem:
				return problem
			elements.append(item)
			continue
		var value := Values.tensor(element)
		problem = _check_range(space, value, "%s[%d]" % [path, i])
		if problem:
			return problem
		elements.append(value)
	return elements


static func _unbatch_tuple(space: V1.Space, batch: V1.Value, n: int, path: String) -> Variant:
	if batch.kind_case != V1.Value.KIND_TUPLE_VALUE:
		return "%s: expected a tuple, got %s" % [path, Values.kind_name(batch)]
	var parts := space.tuple.spaces
	if batch.tuple_value.items.size() != parts.size():
		return (
			"%s: expected %d parts, got %d" % [path, parts.size(), batch.tuple_value.items.size()]
		)
	var columns := []
	for j in parts.size():
		var column: Variant = unbatch(parts[j], batch.tuple_value.items[j], n, "%s[%d]" % [path, j])
		if column is String:
			return column
		columns.append(column)
	var elements := []
	for i in n:
		var items := []
		for column in columns:
			items.append(column[i])
		elements.append(Values.tuple(items))
	return elements


static func _unbatch_dict(space: V1.Space, batch: V1.Value, n: int, path: String) -> Variant:
	if batch.kind_case != V1.Value.KIND_MAP_VALUE:
		return "%s: expected a map, got %s" % [path, Values.kind_name(batch)]
	var entries := space.dict.entries
	var given := batch.map_value.entries
	if given.size() != entries.size():
		return "%s: expected %d keys, got %d" % [path, entries.size(), given.size()]
	var keys := []
	var columns := []
	for j in entries.size():
		var key: String = entries[j].key
		var value := Values.get_entry(batch, key)
		if value == null:
			return "%s: missing key %s" % [path, key]
		var column: Variant = unbatch(entries[j].space, value, n, "%s[%s]" % [path, key])
		if column is String:
			return column
		keys.append(key)
		columns.append(column)
	var elements := []
	for i in n:
		var items := []
		for column in columns:
			items.append(column[i])
		elements.append(Values.map(keys, items))
	return elements


# -- element form -----------------------------------------------------------------------


## "" when value is an element of space (element form), else the reason.
static func check_element(space: V1.Space, value: V1.Value, path: String) -> String:
	if value == null:
		return "%s: missing" % path
	var array := _array_space(space)
	if not array.is_empty() and space.kind_case != V1.Space.KIND_DISCRETE:
		if value.kind_case != V1.Value.KIND_TENSOR:
			return "%s: expected a tensor, got %s" % [path, Values.kind_name(value)]
		var problem := Tensors.check(value.tensor, array[0], array[1], path)
		return problem if problem else _check_range(space, value, path)
	match space.kind_case:
		V1.Space.KIND_DISCRETE:
			if value.kind_case != V1.Value.KIND_INT_VALUE:
				return "%s: expected an int, got %s" % [path, Values.kind_name(value)]
			var d := space.discrete
			if value.int_value < d.start or value.int_value >= d.start + d.n:
				return (
					"%s: %d is outside %d..%d" % [path, value.int_value, d.start, d.start + d.n - 1]
				)
		V1.Space.KIND_TEXT:
			return _check_text(space.text, value, path)
		V1.Space.KIND_TUPLE:
			if value.kind_case != V1.Value.KIND_TUPLE_VALUE:
				return "%s: expected a tuple, got %s" % [path, Values.kind_name(value)]
			var parts := space.tuple.spaces
			if value.tuple_value.items.size() != parts.size():
				return "%s: expected %d parts" % [path, parts.size()]
			for j in parts.size():
				var problem := check_element(
					parts[j], value.tuple_value.items[j], "%s[%d]" % [path, j]
				)
				if problem:
					return problem
		V1.Space.KIND_DICT:
			if value.kind_case != V1.Value.KIND_MAP_VALUE:
				return "%s: expected a map, got %s" % [path, Values.kind_name(value)]
			var entries := space.dict.entries
			if value.map_value.entries.size() != entries.size():
				return "%s: expected %d keys" % [path, entries.size()]
			for j in entries.size():
				var key: String = entries[j].key
				var item := Values.get_entry(value, key)
				var problem := check_element(entries[j].space, item, "%s[%s]" % [path, key])
				if problem:
					return problem
		V1.Space.KIND_ONE_OF:
			if value.kind_case != V1.Value.KIND_ONE_OF_VALUE:
				return "%s: expected a one_of, got %s" % [path, Values.kind_name(value)]
			var index := value.one_of_value.index
			if index < 0 or index >= space.one_of.spaces.size():
				return "%s: index %d is out of range" % [path, index]
			return check_element(space.one_of.spaces[index], value.one_of_value.value, path + "[1]")
		V1.Space.KIND_SEQUENCE, V1.Space.KIND_GRAPH:
			return ""  # never an action of the conformance envs; the env checks its own
		_:
			return "%s: unsupported space" % path
	return ""


static func _check_text(t: V1.TextSpace, value: V1.Value, path: String) -> String:
	if value.kind_case != V1.Value.KIND_STRING_VALUE:
		return "%s: expected a string, got %s" % [path, Values.kind_name(value)]
	var s := value.string_value
	if s.length() < t.min_length or s.length() > t.max_length:
		return "%s: length %d is outside %d..%d" % [path, s.length(), t.min_length, t.max_length]
	for character in s:
		if not t.charset.contains(character):
			return "%s: %s is not in the charset" % [path, character]
	return ""


## Discrete-like arrays must hold values inside the space.
static func _check_range(space: V1.Space, value: V1.Value, path: String) -> String:
	match space.kind_case:
		V1.Space.KIND_MULTI_BINARY:
			for bit in Tensors.to_ints(value.tensor):
				if bit != 0 and bit != 1:
					return "%s: %d is not 0 or 1" % [path, bit]
		V1.Space.KIND_MULTI_DISCRETE:
			var nvec := Tensors.to_ints(space.multi_discrete.nvec)
			var start := Tensors.to_ints(space.multi_discrete.start)
			var items := Tensors.to_ints(value.tensor)
			for i in items.size():
				if items[i] < start[i] or items[i] >= start[i] + nvec[i]:
					return "%s: element %d (%d) is out of range" % [path, i, items[i]]
	return ""


# -- elements -> batch form -------------------------------------------------------------


## The batch form of elements (one element Value per sub-environment).
static func batch(space: V1.Space, elements: Array) -> V1.Value:
	var n := elements.size()
	var array := _array_space(space)
	if not array.is_empty():
		var data := PackedByteArray()
		for element in elements:
			if space.kind_case == V1.Space.KIND_DISCRETE:
				var bytes := PackedByteArray()
				bytes.resize(8)
				bytes.encode_s64(0, element.int_value)
				data.append_array(bytes)
			else:
				data.append_array(element.tensor.data)
		return Values.tensor(Tensors.make(array[0], Array(_prefixed(n, array[1])), data))
	match space.kind_case:
		V1.Space.KIND_TUPLE:
			var parts := []
			for j in space.tuple.spaces.size():
				var column := []
				for element in elements:
					column.append(element.tuple_value.items[j])
				parts.append(batch(space.tuple.spaces[j], column))
			return Values.tuple(parts)
		V1.Space.KIND_DICT:
			var keys := []
			var parts := []
			for entry in space.dict.entries:
				var column := []
				for element in elements:
					column.append(Values.get_entry(element, entry.key))
				keys.append(entry.key)
				parts.append(batch(entry.space, column))
			return Values.map(keys, parts)
	return Values.list(elements)
