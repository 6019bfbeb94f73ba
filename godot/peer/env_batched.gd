## `batched-next-step`, `batched-same-step`, `batched-disabled`: four
## sub-environments in lockstep, one per autoreset mode (ENVIRONMENTS.md section 7).
extends "res://peer/conformance_env.gd"

var _mode := 0
var _action_space := Spaces.tuple(
	[Spaces.discrete(3, -1), Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [], -3, 3)]
)
var _observation_space := (
	Spaces
	. dict(
		["t", "pos", "id"],
		[
			Spaces.discrete(8),
			Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [2], -64, 64),
			Spaces.box_uniform(V1.Dtype.DTYPE_UINT32, [], 0, 0xFFFF_FFFF),
		]
	)
)
var _pos: Array[PackedInt32Array] = []
var _length := PackedInt64Array()
var _ended: Array[bool] = []


func _init(env_name: String, mode: int) -> void:
	super(env_name, 4)
	_mode = mode
	for i in 4:
		_pos.append(PackedInt32Array([0, 0]))
		_ended.append(false)
	_length.resize(4)


func open(_render_mode: String) -> V1.EnvSpec:
	return spec_for(_observation_space, _action_space, 4, _mode)


func _obs(i: int) -> V1.Value:
	return (
		Values
		. map(
			["t", "pos", "id"],
			[
				Values.integer(steps[i]),
				Values.tensor(Tensors.from_int32(_pos[i], [2])),
				Values.tensor(
					Tensors.from_ints(V1.Dtype.DTYPE_UINT32, [Draws.lsr(keys[i], 32)], [])
				),
			]
		)
	)


func _restart(i: int, seed: Variant) -> V1.Value:
	restart(i, seed)
	_pos[i] = PackedInt32Array([0, 0])
	_length[i] = 2 + Draws.uniform(keys[i], 0, 4)
	_ended[i] = false
	return Values.map(["len"], [Values.integer(_length[i])])


func reset(args: ResetArgs, result: ResetResult) -> void:
	for i in 4:
		if args.includes(i):
			result.infos[i] = _restart(i, args.seed_of(i))
		else:
			result.infos[i] = Values.empty_map()
		result.observations[i] = _obs(i)


func step(actions: Array, result: StepResult) -> void:
	for i in 4:
		if _mode == V1.AutoresetMode.AUTORESET_MODE_NEXT_STEP and _ended[i]:
			result.infos[i] = _restart(i, null)
			result.observations[i] = _obs(i)
			continue
		var action: V1.Value = actions[i]
		advance(i, _action_space, action)
		var dx: int = action.tuple_value.items[0].int_value
		var dy: int = Tensors.to_ints(action.tuple_value.items[1].tensor)[0]
		_pos[i][0] = clampi(_pos[i][0] + dx, -64, 64)
		_pos[i][1] = clampi(_pos[i][1] + dy, -64, 64)
		var t := steps[i]
		result.terminated[i] = t >= _length[i]
		result.truncated[i] = t >= 4
		result.rewards[i] = t + dx / 2.0 + dy / 4.0
		var info := Values.map(["pos_sum"], [Values.integer(_pos[i][0] + _pos[i][1])])
		_ended[i] = result.terminated[i] or result.truncated[i]
		if _mode == V1.AutoresetMode.AUTORESET_MODE_SAME_STEP and _ended[i]:
			result.add_final(i, _obs(i), info)
			info = _restart(i, null)
		result.infos[i] = info
		result.observations[i] = _obs(i)
