## `control`: rgb_array frames, calls that change the dynamics, env errors
## (ENVIRONMENTS.md section 5).
extends "res://peer/conformance_env.gd"

var _action_space := Spaces.discrete(4)
var _render_mode := ""
var _x := 0
var _gain := 1


func _init() -> void:
	super("control")


func open(render_mode: String) -> V1.EnvSpec:
	if render_mode not in ["", "rgb_array"]:
		fail(
			"render mode %s is not supported" % render_mode,
			V1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT
		)
		return null
	_render_mode = render_mode
	var observation := Spaces.box_uniform(V1.Dtype.DTYPE_INT64, [3], -1000000, 1000000)
	var spec := spec_for(observation, _action_space, 0)
	spec.render_modes = PackedStringArray(["rgb_array"])
	spec.render_mode = render_mode
	spec.render_fps = 30.0
	return spec


func _obs() -> V1.Value:
	return int64_obs([steps[0], _x, _gain])


func reset(args: ResetArgs, result: ResetResult) -> void:
	restart(0, args.seed_of(0))
	_x = 0
	result.observations[0] = _obs()
	result.infos[0] = Values.empty_map()


func step(actions: Array, result: StepResult) -> void:
	var action: int = actions[0].int_value
	if action == 3:
		fail("action 3 is refused")
		return
	advance(0, _action_space, actions[0])
	_x += [0, _gain, -_gain][action]
	result.observations[0] = _obs()
	result.rewards[0] = _x / 4.0
	result.infos[0] = Values.empty_map()


func render() -> Array:
	if _render_mode != "rgb_array":
		return [Values.none()]
	var frame := PackedByteArray()
	frame.resize(6 * 8 * 3)
	for y in 6:
		for w in 8:
			var at := (y * 8 + w) * 3
			frame[at] = (16 * w + steps[0]) & 0xFF
			frame[at + 1] = (32 * y + _gain) & 0xFF
			frame[at + 2] = _x & 0xFF
	return [Values.tensor(Tensors.from_uint8(frame, [6, 8, 3]))]


func call_env(call_name: String, value: V1.Value) -> V1.Value:
	match call_name:
		"set_gain":
			var ok := value != null and value.kind_case == V1.Value.KIND_INT_VALUE
			if not ok or value.int_value < 1 or value.int_value > 100:
				fail("set_gain needs an int from 1 to 100")
				return null
			var previous := _gain
			_gain = value.int_value
			return Values.integer(previous)
		"get_state":
			return Values.map(
				["t", "x", "gain"],
				[Values.integer(steps[0]), Values.integer(_x), Values.integer(_gain)]
			)
	fail("unknown call %s" % call_name, V1.ErrorCode.ERROR_CODE_UNIMPLEMENTED)
	return null
