## `large`: a 9 MiB observation and a 256 KiB action (ENVIRONMENTS.md section 6).
extends "res://peer/conformance_env.gd"

const ROWS := 2304
const COLUMNS := 4096

var _action_space := Spaces.box_uniform(V1.Dtype.DTYPE_UINT8, [256, 1024], 0, 255)
var _ramp := PackedByteArray()


func _init() -> void:
	super("large")
	_ramp.resize(COLUMNS + 256)
	for i in _ramp.size():
		_ramp[i] = i & 0xFF


func open(_render_mode: String) -> V1.EnvSpec:
	var observation := Spaces.box_uniform(V1.Dtype.DTYPE_UINT8, [ROWS, COLUMNS], 0, 255)
	return spec_for(observation, _action_space, 0)


func _obs() -> V1.Value:
	var b := (keys[0] + accs[0] + 13 * steps[0]) & 0xFF
	var data := PackedByteArray()
	for r in ROWS:
		var offset := (7 * r + b) & 0xFF
		data.append_array(_ramp.slice(offset, offset + COLUMNS))
	return Values.tensor(Tensors.from_uint8(data, [ROWS, COLUMNS]))


func reset(args: ResetArgs, result: ResetResult) -> void:
	restart(0, args.seed_of(0))
	result.observations[0] = _obs()
	result.infos[0] = Values.empty_map()


func step(actions: Array, result: StepResult) -> void:
	advance(0, _action_space, actions[0])
	result.observations[0] = _obs()
	result.rewards[0] = (accs[0] & 0xFF) / 16.0
	result.infos[0] = Values.empty_map()
