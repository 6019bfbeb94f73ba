## `multi-agent` (protocol 1.1, ENVIRONMENTS.md section 8): runners that die and
## respawn, scouts that decide every other step, runner_2 spawning late.
extends "res://addons/rlay/core/multi_agent_environment.gd"

const Draws = preload("res://peer/draws.gd")
const ConformanceEnv = preload("res://peer/conformance_env.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")

const NAME := "multi-agent"
const RUNNER := 0
const SCOUT := 1
const HORIZON := 8
const AGENT_NAMES := ["runner_0", "scout_0", "runner_1", "scout_1", "runner_2"]
const BEHAVIOR_OF := [RUNNER, SCOUT, RUNNER, SCOUT, RUNNER]
const N := 5

var _runner_observation := Spaces.box_uniform(V1.Dtype.DTYPE_INT32, [3], -100, 100)
var _runner_action := Spaces.discrete(5, -2)
var _scout_observation := Spaces.dict(
	["view", "tick"],
	[Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT32, [2], -8.0, 8.0), Spaces.discrete(9)]
)
var _scout_action := Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT32, [2], -1.0, 1.0)

var _key := Draws.K0
var _t := 0
var _k := PackedInt64Array([0, 0, 0, 0, 0])
var _life := PackedInt64Array([0, 0, 0, 0, 0])
var _alive: Array[bool] = [false, false, false, false, false]
var _live: Array[bool] = [false, false, false, false, false]
var _age := PackedInt64Array([0, 0, 0, 0, 0])
var _acc := PackedInt64Array([0, 0, 0, 0, 0])
var _x := PackedInt64Array([0, 0, 0, 0, 0])
var _r := PackedFloat64Array([0, 0, 0, 0, 0])
var _end := PackedInt64Array([0, 0, 0, 0, 0])


func open(render_mode: String) -> V1.EnvSpec:
	if not render_mode.is_empty():
		fail(
			"render mode '%s' is not supported by conformance/%s" % [render_mode, NAME],
			V1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT
		)
		return null
	var behaviors: Array[V1.BehaviorSpec] = [
		behavior("runner", _runner_observation, _runner_action),
		behavior("scout", _scout_observation, _scout_action),
	]
	var agents: Array[V1.AgentSpec] = []
	for i in N:
		agents.append(agent_spec(AGENT_NAMES[i], "runner" if BEHAVIOR_OF[i] == RUNNER else "scout"))
	var spec := make_multi_agent_spec("conformance/" + NAME, behaviors, agents)
	spec.max_episode_steps = HORIZON
	spec.metadata = ConformanceEnv.metadata(NAME)
	return spec


func reset_agents(seed: Variant, _options: V1.Value, reports: AgentReports) -> void:
	_key = Draws.next_key(_key, seed)
	_t = 0
	for i in N:
		_k[i] = Draws.draw(_key, i)
		_life[i] = 0
		_alive[i] = false
	for i in 4:
		_spawn(i)
	for i in N:
		_live[i] = _alive[i]
		if _live[i]:
			reports.live(i, _observe(i), _info(i))


func step_agents(actions: Array[AgentAction], reports: AgentReports) -> void:
	var acted: Array[bool] = [false, false, false, false, false]
	# 1. Live agents act, in index order (the session sorted them).
	for action in actions:
		var i := action.agent
		var space := _runner_action if BEHAVIOR_OF[i] == RUNNER else _scout_action
		_acc[i] = Draws.fold(_acc[i], Draws.element_bytes(space, action.action))
		if BEHAVIOR_OF[i] == RUNNER:
			_x[i] = clampi(_x[i] + action.action.int_value, -100, 100)
		acted[i] = true
	# 2. Time passes for everyone alive.
	_t += 1
	for i in N:
		if _alive[i]:
			_age[i] += 1
	# 3. Rewards.
	for i in N:
		if BEHAVIOR_OF[i] == RUNNER and acted[i]:
			_r[i] += _x[i] / 4.0
		elif BEHAVIOR_OF[i] == SCOUT and _alive[i]:
			_r[i] += _age[i] / 8.0
	var ended := _end_agents()
	# 5. Spawns and respawns, while the episode goes on.
	if _t < HORIZON:
		for i in N:
			if BEHAVIOR_OF[i] != RUNNER or _alive[i]:
				continue
			var late := i == 4 and _t == 1 and _life[i] == 0
			var respawn := _life[i] > 0 and _t == _end[i] + 2
			if late or respawn:
				_spawn(i)
	# 6. Who decides next.
	for i in N:
		_live[i] = _alive[i] and (BEHAVIOR_OF[i] == RUNNER or _t % 2 == 0)
	# 7. Reports: who acted, who ended, who became live without acting.
	for i in N:
		if not (acted[i] or ended[i][0] or ended[i][1] or _live[i]):
			continue
		var reward := _r[i]
		_r[i] = 0.0
		reports.step(i, _observe(i), reward, ended[i][0], ended[i][1], _info(i), _live[i])


## 4. Ends: [terminated, truncated] per agent.
func _end_agents() -> Array:
	var ended := []
	for i in N:
		var terminated := false
		var truncated := false
		if _alive[i]:
			if BEHAVIOR_OF[i] == RUNNER and _age[i] >= 2 + Draws.uniform(_k[i], 0, 3):
				terminated = true
				_r[i] += 1.0
			truncated = _t >= HORIZON
			if terminated or truncated:
				_alive[i] = false
				_end[i] = _t
		ended.append([terminated, truncated])
	return ended


func _spawn(i: int) -> void:
	if _life[i] > 0:
		_k[i] = Draws.mix(_k[i])
	_life[i] += 1
	_alive[i] = true
	_age[i] = 0
	_acc[i] = Draws.ACC0
	_x[i] = 0
	_r[i] = 0.0


func _observe(i: int) -> V1.Value:
	var s := Draws.step_state(_k[i], _age[i], _acc[i])
	if BEHAVIOR_OF[i] == RUNNER:
		var values := PackedInt32Array([_age[i], _x[i], Draws.uniform(s, 0, 201) - 100])
		return Values.tensor(Tensors.from_int32(values, [3]))
	var view := PackedFloat32Array(
		[(Draws.uniform(s, 0, 129) - 64) / 8.0, (Draws.uniform(s, 1, 129) - 64) / 8.0]
	)
	return Values.map(
		["view", "tick"], [Values.tensor(Tensors.from_float32(view, [2])), Values.integer(_t)]
	)


func _info(i: int) -> V1.Value:
	if BEHAVIOR_OF[i] != RUNNER:
		return null
	return Values.map(
		["life", "age", "key_hi"],
		[Values.integer(_life[i]), Values.integer(_age[i]), Values.integer(Draws.lsr(_k[i], 32))]
	)


func render() -> Array:
	fail("conformance/%s renders nothing" % NAME, V1.ErrorCode.ERROR_CODE_UNIMPLEMENTED)
	return []
