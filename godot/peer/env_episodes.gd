## `episodes`: termination vs truncation on specified steps (ENVIRONMENTS.md section 3).
extends "res://peer/conformance_env.gd"

var _action_space := Spaces.discrete(3)
var _position := 0
var _target := 0


func _init() -> void:
	super("episodes")


func open(_render_mode: String) -> V1.EnvSpec:
	var observation := Spaces.box(V1.Dtype.DTYPE_INT64, [4], [0, 0, 3, 0], [6, 12, 6, 0x7FFF_FFFF])
	return spec_for(observation, _action_space, 6)


func _obs() -> V1.Value:
	return int64_obs([steps[0], _position, _target, Draws.lsr(keys[0], 33)])


func reset(args: ResetArgs, result: ResetResult) -> void:
	restart(0, args.seed_of(0))
	_position = 0
	_target = 3 + Draws.uniform(keys[0], 0, 4)
	result.observations[0] = _obs()
	result.infos[0] = Values.empty_map()


func step(actions: Array, result: StepResult) -> void:
	advance(0, _action_space, actions[0])
	_position += actions[0].int_value
	var terminated := _position >= _target
	result.observations[0] = _obs()
	result.rewards[0] = _position / 2.0 - 1.0 + (10.0 if terminated else 0.0)
	result.terminated[0] = terminated
	result.truncated[0] = steps[0] >= 6
	result.infos[0] = Values.empty_map()
