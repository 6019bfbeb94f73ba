## `infos`: every Value kind in infos (ENVIRONMENTS.md section 4).
extends "res://peer/conformance_env.gd"

var _action_space := Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [2], -10, 10)
var _sum := 0


func _init() -> void:
	super("infos")


func open(_render_mode: String) -> V1.EnvSpec:
	var observation := Spaces.box_uniform(V1.Dtype.DTYPE_INT64, [2], -(1 << 63), (1 << 63) - 1)
	return spec_for(observation, _action_space, 0)


func _info(a0: int, a1: int) -> V1.Value:
	var t := steps[0]
	var s := _sum
	var nested := (
		Values
		. map(
			["last", "pair", "flags", "nothing"],
			[
				Values.list([Values.integer(a0), Values.integer(a1)]),
				Values.tuple([Values.integer(t), Values.string("t")]),
				Values.map(["pos", "neg"], [Values.boolean(s > 0), Values.boolean(s < 0)]),
				Values.none(),
			]
		)
	)
	return (
		Values
		. map(
			[
				"step",
				"total",
				"half",
				"even",
				"label",
				"key_hi",
				"big",
				"vec",
				"grid",
				"mask",
				"nested"
			],
			[
				Values.integer(t),
				Values.integer(s),
				Values.real(s / 2.0),
				Values.boolean(t % 2 == 0),
				Values.string("λ-%d-中" % t),
				Values.integer(Draws.lsr(keys[0], 32)),
				Values.integer(-(1 << 40) - t),
				Values.tensor(
					Tensors.from_float32(PackedFloat32Array([t / 2.0, s / 4.0, -0.5]), [3])
				),
				Values.tensor(Tensors.from_int64(PackedInt64Array([t, s, a0, a1]), [2, 2])),
				Values.tensor(Tensors.from_bools([a0 > 0, a1 > 0, s > 0], [3])),
				nested,
			]
		)
	)


func reset(args: ResetArgs, result: ResetResult) -> void:
	restart(0, args.seed_of(0))
	_sum = 0
	result.observations[0] = int64_obs([0, 0])
	result.infos[0] = _info(0, 0)


func step(actions: Array, result: StepResult) -> void:
	advance(0, _action_space, actions[0])
	var action := Tensors.to_ints(actions[0].tensor)
	_sum += action[0] - 2 * action[1]
	result.observations[0] = int64_obs([steps[0], _sum])
	result.rewards[0] = _sum / 2.0
	result.infos[0] = _info(action[0], action[1])
