## `spaces`: every space kind and dtype, in observation and action
## (ENVIRONMENTS.md section 2).
extends "res://peer/conformance_env.gd"

const CHARSET := "aZ9 _éλ中"
const U32MAX := 0xFFFF_FFFF
const U64MAX := -1  # 2^64 - 1 as int64 bits
const INT64_MIN := -(1 << 63)
const INT64_MAX := (1 << 63) - 1
const F32 := V1.Dtype.DTYPE_FLOAT32
const I64 := V1.Dtype.DTYPE_INT64

var _action_space := (
	Spaces
	. dict(
		["move", "aim", "throttle", "buttons", "gears", "small", "say", "pick"],
		[
			Spaces.discrete(5, -2),
			Spaces.box(F32, [2], [-1.0, -2.0], [1.0, 2.0]),
			Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT64, [], -INF, INF),
			Spaces.multi_binary([3]),
			Spaces.multi_discrete([3, 4], [1, -1], [2]),
			(
				Spaces
				. tuple(
					[
						Spaces.box_uniform(V1.Dtype.DTYPE_INT8, [2], -8, 7),
						Spaces.box_uniform(V1.Dtype.DTYPE_UINT16, [], 0, 65535),
						Spaces.box_uniform(V1.Dtype.DTYPE_UINT64, [], 0, U64MAX),
					]
				)
			),
			Spaces.text(0, 4, "abé"),
			Spaces.one_of(
				[Spaces.discrete(2), Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [2], -5, 5)]
			),
		]
	)
)


func _init() -> void:
	super("spaces")


func open(_render_mode: String) -> V1.EnvSpec:
	return spec_for(_observation_space(), _action_space, 0)


static func _observation_space() -> V1.Space:
	var ints := (
		Spaces
		. tuple(
			[
				Spaces.box_uniform(V1.Dtype.DTYPE_INT8, [3], -100, 100),
				Spaces.box(V1.Dtype.DTYPE_INT16, [2], [-1000, -2000], [1000, 3000]),
				Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [2], -(1 << 31), (1 << 31) - 1),
				Spaces.box_uniform(I64, [2], INT64_MIN, INT64_MAX),
			]
		)
	)
	var uints := (
		Spaces
		. dict(
			["u64", "u16", "u32"],
			[
				Spaces.box_uniform(V1.Dtype.DTYPE_UINT64, [2], 0, U64MAX),
				Spaces.box_uniform(V1.Dtype.DTYPE_UINT16, [2], 0, 65535),
				Spaces.box_uniform(V1.Dtype.DTYPE_UINT32, [2], 0, U32MAX),
			]
		)
	)
	var floats := (
		Spaces
		. dict(
			["f32", "f16", "f64"],
			[
				Spaces.box(F32, [3], [-INF, 0.0, -1.0], [INF, INF, 1.0]),
				Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT16, [2], -4.0, 4.0),
				Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT64, [2], -INF, INF),
			]
		)
	)
	return (
		Spaces
		. dict(
			[
				"image",
				"clock",
				"ints",
				"uints",
				"floats",
				"flags",
				"choice",
				"grid",
				"bits",
				"word",
				"path",
				"events",
				"net",
				"either"
			],
			[
				Spaces.box_uniform(V1.Dtype.DTYPE_UINT8, [4, 6, 3], 0, 255),
				Spaces.box_uniform(V1.Dtype.DTYPE_UINT32, [2], 0, U32MAX),
				ints,
				uints,
				floats,
				Spaces.box_uniform(V1.Dtype.DTYPE_BOOL, [4], 0, 1),
				Spaces.discrete(5, -2),
				Spaces.multi_discrete([3, 5, 2, 4], [0, -2, 10, 1], [2, 2]),
				Spaces.multi_binary([2, 3]),
				Spaces.text(1, 6, CHARSET),
				Spaces.sequence(Spaces.box_uniform(V1.Dtype.DTYPE_INT16, [2], -100, 100), true),
				Spaces.sequence(Spaces.discrete(7, 1), false),
				Spaces.graph(Spaces.box_uniform(F32, [3], -1.0, 1.0), Spaces.discrete(4)),
				Spaces.one_of([Spaces.discrete(3), Spaces.box_uniform(F32, [2], -1.0, 1.0)]),
			]
		)
	)


static func _t(dtype: int, values: Array, shape: Array) -> V1.Value:
	if Tensors.is_float(dtype):
		return Values.tensor(Tensors.from_floats(dtype, values, shape))
	return Values.tensor(Tensors.from_ints(dtype, values, shape))


func _obs() -> V1.Value:
	var s := Draws.step_state(keys[0], steps[0], accs[0])
	return (
		Values
		. map(
			[
				"image",
				"clock",
				"ints",
				"uints",
				"floats",
				"flags",
				"choice",
				"grid",
				"bits",
				"word",
				"path",
				"events",
				"net",
				"either"
			],
			[
				_image(s),
				_t(V1.Dtype.DTYPE_UINT32, [steps[0], accs[0]], [2]),
				_ints(s),
				_uints(s),
				_floats(s),
				_flags(s),
				Values.integer(Draws.uniform(s, 24, 5) - 2),
				_grid(s),
				_bits(s),
				_word(s),
				_path(s),
				_events(s),
				_net(s),
				_either(s),
			]
		)
	)


static func _image(s: int) -> V1.Value:
	var base := Draws.uniform(s, 0, 256)
	var data := PackedByteArray()
	data.resize(4 * 6 * 3)
	for y in 4:
		for x in 6:
			for c in 3:
				data[(y * 6 + x) * 3 + c] = (base + 37 * y + 11 * x + 101 * c) & 0xFF
	return Values.tensor(Tensors.from_uint8(data, [4, 6, 3]))


static func _ints(s: int) -> V1.Value:
	var i8 := []
	for i in 3:
		i8.append(Draws.uniform(s, 1 + i, 201) - 100)
	var i16 := [Draws.uniform(s, 4, 2001) - 1000, Draws.uniform(s, 5, 5001) - 2000]
	var i32 := [Draws.s32(Draws.draw(s, 6)), Draws.s32(Draws.draw(s, 7))]
	var i64 := [Draws.draw(s, 8), Draws.draw(s, 9)]
	return (
		Values
		. tuple(
			[
				_t(V1.Dtype.DTYPE_INT8, i8, [3]),
				_t(V1.Dtype.DTYPE_INT16, i16, [2]),
				_t(V1.Dtype.DTYPE_INT32, i32, [2]),
				_t(I64, i64, [2]),
			]
		)
	)


static func _uints(s: int) -> V1.Value:
	return (
		Values
		. map(
			["u64", "u16", "u32"],
			[
				_t(V1.Dtype.DTYPE_UINT64, [Draws.draw(s, 10), Draws.draw(s, 11)], [2]),
				_t(
					V1.Dtype.DTYPE_UINT16,
					[Draws.draw(s, 12) & 0xFFFF, Draws.draw(s, 13) & 0xFFFF],
					[2]
				),
				_t(
					V1.Dtype.DTYPE_UINT32,
					[Draws.draw(s, 14) & U32MAX, Draws.draw(s, 15) & U32MAX],
					[2]
				),
			]
		)
	)


static func _floats(s: int) -> V1.Value:
	var f32 := [
		(Draws.uniform(s, 18, 1 << 21) - (1 << 20)) / 1024.0,
		Draws.uniform(s, 19, 1 << 24) / 256.0,
		(Draws.uniform(s, 20, 2049) - 1024) / 1024.0,
	]
	var f16 := [(Draws.uniform(s, 16, 65) - 32) / 8.0, (Draws.uniform(s, 17, 65) - 32) / 8.0]
	var f64 := []
	for i in 2:
		f64.append((Draws.lsr(Draws.draw(s, 21 + i), 11) - (1 << 52)) / 1048576.0)
	return Values.map(
		["f32", "f16", "f64"],
		[
			_t(F32, f32, [3]),
			_t(V1.Dtype.DTYPE_FLOAT16, f16, [2]),
			_t(V1.Dtype.DTYPE_FLOAT64, f64, [2])
		]
	)


static func _flags(s: int) -> V1.Value:
	var d := Draws.draw(s, 23)
	return _t(V1.Dtype.DTYPE_BOOL, [d & 1, (d >> 1) & 1, (d >> 2) & 1, (d >> 3) & 1], [4])


static func _grid(s: int) -> V1.Value:
	var nvec := [3, 5, 2, 4]
	var start := [0, -2, 10, 1]
	var values := []
	for k in 4:
		values.append(start[k] + Draws.uniform(s, 25 + k, nvec[k]))
	return _t(I64, values, [2, 2])


static func _bits(s: int) -> V1.Value:
	var d := Draws.draw(s, 29)
	var values := []
	for k in 6:
		values.append((d >> k) & 1)
	return _t(V1.Dtype.DTYPE_INT8, values, [2, 3])


static func _word(s: int) -> V1.Value:
	var length := 1 + Draws.uniform(s, 30, 6)
	var word := ""
	for k in length:
		word += CHARSET[Draws.uniform(s, 31 + k, 8)]
	return Values.string(word)


static func _path(s: int) -> V1.Value:
	var length := Draws.uniform(s, 37, 4)
	var values := []
	for k in length:
		values.append(Draws.uniform(s, 38 + 2 * k, 201) - 100)
		values.append(Draws.uniform(s, 39 + 2 * k, 201) - 100)
	return _t(V1.Dtype.DTYPE_INT16, values, [length, 2])


static func _events(s: int) -> V1.Value:
	var items := []
	for k in Draws.uniform(s, 44, 4):
		items.append(Values.integer(1 + Draws.uniform(s, 45 + k, 7)))
	return Values.list(items)


static func _net(s: int) -> V1.Value:
	var n := 1 + Draws.uniform(s, 48, 3)
	var m := Draws.uniform(s, 49, 4)
	var nodes := []
	for i in n:
		for c in 3:
			nodes.append((Draws.uniform(s, 50 + 3 * i + c, 17) - 8) / 8.0)
	var edges := []
	var links := []
	for e in m:
		edges.append(Draws.uniform(s, 59 + e, 4))
		links.append(Draws.uniform(s, 62 + 2 * e, n))
		links.append(Draws.uniform(s, 63 + 2 * e, n))
	var graph := V1.GraphValue.new()
	graph.nodes = Tensors.from_floats(F32, nodes, [n, 3])
	graph.edges = Tensors.from_ints(I64, edges, [m])
	graph.edge_links = Tensors.from_ints(I64, links, [m, 2])
	var value := V1.Value.new()
	value.set_graph_value(graph)
	return value


static func _either(s: int) -> V1.Value:
	if Draws.uniform(s, 68, 2) == 0:
		return Values.one_of(0, Values.integer(Draws.uniform(s, 69, 3)))
	var pair := [(Draws.uniform(s, 69, 9) - 4) / 4.0, (Draws.uniform(s, 70, 9) - 4) / 4.0]
	return Values.one_of(1, _t(F32, pair, [2]))


func reset(args: ResetArgs, result: ResetResult) -> void:
	restart(0, args.seed_of(0))
	result.observations[0] = _obs()
	result.infos[0] = Values.empty_map()


func step(actions: Array, result: StepResult) -> void:
	advance(0, _action_space, actions[0])
	result.observations[0] = _obs()
	result.rewards[0] = (accs[0] & 0xFFFF) / 256.0
	result.infos[0] = Values.empty_map()
