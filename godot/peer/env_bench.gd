## The benchmark's echo env (bench/rlaybench/echo_env.py) in GDScript: the
## observation is the payload, its first element stamped with the step count;
## reward 1.0; no episode ever ends. `bench-cartpole`: 4 float32 in [-1, 1];
## `bench-image`: an 84 x 84 x 3 uint8 image. Action: Discrete(2).
extends "res://peer/conformance_env.gd"

var _image := false
var _action_space := Spaces.discrete(2)
var _obs := PackedByteArray()


func _init(env_name: String) -> void:
	super(env_name)
	_image = env_name == "bench-image"
	if _image:
		_obs.resize(84 * 84 * 3)
		for i in _obs.size():
			_obs[i] = i % 251
	else:
		_obs = PackedFloat32Array([0.0, 0.001, 0.002, 0.003]).to_byte_array()


func open(_render_mode: String) -> V1.EnvSpec:
	var observation := (
		Spaces.box_uniform(V1.Dtype.DTYPE_UINT8, [84, 84, 3], 0, 255)
		if _image
		else Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT32, [4], -1.0, 1.0)
	)
	var spec := spec_for(observation, _action_space, 0)
	spec.env_id = "rlaybench/Echo-" + name
	return spec


func _stamped() -> V1.Value:
	if _image:
		_obs[0] = steps[0] % 251
		return Values.tensor(Tensors.from_uint8(_obs, [84, 84, 3]))
	_obs.encode_float(0, (steps[0] % 1000) / 1000.0)
	return Values.tensor(Tensors.make(V1.Dtype.DTYPE_FLOAT32, [4], _obs))


func reset(_args: ResetArgs, result: ResetResult) -> void:
	steps[0] = 0
	result.observations[0] = _stamped()
	result.infos[0] = Values.empty_map()


func step(_actions: Array, result: StepResult) -> void:
	steps[0] += 1
	result.observations[0] = _stamped()
	result.rewards[0] = 1.0
	result.infos[0] = Values.empty_map()
