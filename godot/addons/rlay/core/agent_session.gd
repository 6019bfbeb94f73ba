## The multi-agent rules of a session (protocol 1.1, docs/protocol.md "Multi-agent
## envs"): checks the spec's agents and behaviours, checks each step's actions
## against who is live, and turns an env's AgentReports into per-behaviour batches.
##
## The env session uses it in two halves so that a game may answer later
## (lockstep with physics): [method reset] or [method step] call the env, and
## [method reset_reply] or [method step_reply] build the reply from its reports.
## [codeblock]
## var agents := AgentSession.new(spec)
## if agents.spec_problem: print(agents.spec_problem)
## agents.reset(env, null, null)
## var reply := agents.reset_reply(env)  # null when the env failed (env.error_code)
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")

## The capability an agent side lists when it can drive a multi-agent env.
const CAPABILITY := "multi_agent"

## Why the spec breaks the rules ("" when it keeps them); such an env is not opened.
var spec_problem := ""

var _spec: V1.EnvSpec
var _agent_index := {}
var _behavior_index := {}
var _behavior_of := PackedInt32Array()
var _live: Array[bool] = []
var _given: Array[bool] = []
var _actions: Array[MultiAgentEnv.AgentAction] = []
var _reports := MultiAgentEnv.AgentReports.new()
var _has_reset := false


func _init(spec: V1.EnvSpec) -> void:
	_spec = spec
	spec_problem = _check_spec()
	_live.resize(spec.agents.size())
	_given.resize(spec.agents.size())


## True when the spec declares agents (the env is multi-agent).
static func is_multi_agent(spec: V1.EnvSpec) -> bool:
	return spec != null and not spec.agents.is_empty()


func _check_spec() -> String:
	var problem := _check_behaviors()
	if not problem:
		problem = _check_agents()
	if problem:
		return problem
	if _spec.observation_space != null or _spec.action_space != null:
		return (
			"a multi-agent EnvSpec leaves observation_space and action_space unset"
			+ " (they are per behaviour)"
		)
	if _spec.num_envs > 1:
		return "a multi-agent env is one env (num_envs 1)"
	return ""


func _check_behaviors() -> String:
	for b in _spec.behaviors.size():
		var declared: V1.BehaviorSpec = _spec.behaviors[b]
		var problem := ""
		if declared.name.is_empty():
			problem = "behaviour %d has no name" % b
		elif _behavior_index.has(declared.name):
			problem = "two behaviours are named '%s'" % declared.name
		elif declared.observation_space == null or declared.action_space == null:
			problem = "behaviour '%s' needs an observation and an action space" % declared.name
		if problem:
			return problem
		_behavior_index[declared.name] = b
	return ""


func _check_agents() -> String:
	_behavior_of.resize(_spec.agents.size())
	var used: Array[bool] = []
	used.resize(_spec.behaviors.size())
	for i in _spec.agents.size():
		var declared: V1.AgentSpec = _spec.agents[i]
		var problem := ""
		if declared.name.is_empty():
			problem = "agent %d has no name" % i
		elif _agent_index.has(declared.name):
			problem = "two agents are named '%s'" % declared.name
		elif not _behavior_index.has(declared.behavior):
			problem = (
				"agent '%s' names an undeclared behaviour '%s'" % [declared.name, declared.behavior]
			)
		if problem:
			return problem
		_agent_index[declared.name] = i
		_behavior_of[i] = _behavior_index[declared.behavior]
		used[_behavior_of[i]] = true
	for b in used.size():
		if not used[b]:
			return "behaviour '%s' has no agent" % _spec.behaviors[b].name
	return ""


## The names of the agents live now.
func live_agents() -> PackedStringArray:
	var names := PackedStringArray()
	for i in _live.size():
		if _live[i]:
			names.append(_spec.agents[i].name)
	return names


## Start a new episode: the env reports its live agents (now, or later when deferred).
func reset(env: MultiAgentEnv, seed: Variant, options: V1.Value) -> void:
	_reports.clear()
	env.reset_agents(seed, options, _reports)


## The reset reply from the env's reports; null when the env failed (env.error_code).
func reset_reply(env: MultiAgentEnv) -> V1.ResetResponse:
	if env.error_code != 0:
		return null
	var reply := V1.ResetResponse.new()
	if not _build(env, reply.agents, false):
		return null
	_has_reset = true
	return reply


## Check the step's actions and step the env. Returns a problem with the actions
## ("" when they are right: the env was stepped); a step out of order fails the
## env with ERROR_CODE_FAILED_PRECONDITION and returns "".
func step(env: MultiAgentEnv, request: V1.StepRequest) -> String:
	if not _has_reset:
		env.fail("step before the first reset", V1.ErrorCode.ERROR_CODE_FAILED_PRECONDITION)
		return ""
	if not _live.has(true):
		env.fail(
			"the episode is over (no agent is live): reset first",
			V1.ErrorCode.ERROR_CODE_FAILED_PRECONDITION
		)
		return ""
	if request.actions != null and request.actions.kind_case != V1.Value.KIND_NOT_SET:
		return "actions: a multi-agent env takes agent_actions, not actions"
	var problem := _collect_actions(request)
	if problem:
		return problem
	_reports.clear()
	env.step_agents(_actions, _reports)
	return ""


## The step reply from the env's reports; null when the env failed (env.error_code).
func step_reply(env: MultiAgentEnv) -> V1.StepResponse:
	if env.error_code != 0:
		return null
	var reply := V1.StepResponse.new()
	if not _build(env, reply.agents, true):
		return null
	return reply


func _collect_actions(request: V1.StepRequest) -> String:
	_actions.clear()
	_given.fill(false)
	for e in request.agent_actions.size():
		var problem := _collect_entry("agent_actions[%d]" % e, request.agent_actions[e])
		if problem:
			return problem
	for i in _live.size():
		if _live[i] and not _given[i]:
			return "agent_actions: no action for live agent '%s'" % _spec.agents[i].name
	_actions.sort_custom(func(x: Variant, y: Variant) -> bool: return x.agent < y.agent)
	return ""


func _collect_entry(path: String, entry: V1.AgentActions) -> String:
	if not _behavior_index.has(entry.behavior):
		return "%s: unknown behaviour '%s'" % [path, entry.behavior]
	if entry.agents.is_empty():
		return ""  # allowed, means nothing
	var b: int = _behavior_index[entry.behavior]
	var items: Variant = Spaces.unbatch(
		_spec.behaviors[b].action_space, entry.actions, entry.agents.size(), path + ".actions"
	)
	if items is String:
		return items
	for k in entry.agents.size():
		var name := entry.agents[k]
		var i: int = _agent_index.get(name, -1)
		var problem := ""
		if i < 0:
			problem = "%s: unknown agent '%s'" % [path, name]
		elif _behavior_of[i] != b:
			problem = (
				"%s: agent '%s' has behaviour '%s', not '%s'"
				% [path, name, _spec.agents[i].behavior, entry.behavior]
			)
		elif not _live[i]:
			problem = (
				"%s: agent '%s' is not live (it ended, is not deciding now, or has not spawned)"
				% [path, name]
			)
		elif _given[i]:
			problem = "%s: agent '%s' has two actions" % [path, name]
		if problem:
			return problem
		_given[i] = true
		_actions.append(MultiAgentEnv.AgentAction.new(i, items[k]))
	return ""


## Batches in behaviour order, agents in spec order; updates who is live. False
## (and an ENV error on the env) when the env's reports break the rules.
func _build(env: MultiAgentEnv, batches: Array[V1.AgentBatch], is_step: bool) -> bool:
	var n := _spec.agents.size()
	var by_agent := PackedInt32Array()
	by_agent.resize(n)
	by_agent.fill(-1)
	var all := _reports.all
	for r in all.size():
		var i := all[r].agent
		if i < 0 or i >= n:
			env.fail("the env reported agent %d, which the spec does not declare" % i)
			return false
		if by_agent[i] >= 0:
			env.fail("the env reported agent '%s' twice in one reply" % _spec.agents[i].name)
			return false
		if all[r].observation == null:
			env.fail("the env reported agent '%s' without an observation" % _spec.agents[i].name)
			return false
		by_agent[i] = r
	if is_step:
		for acted in _actions:
			if by_agent[acted.agent] < 0:
				env.fail(
					(
						"the env did not report agent '%s', which acted"
						% _spec.agents[acted.agent].name
					)
				)
				return false
	_live.fill(false)
	for b in _spec.behaviors.size():
		var members := PackedInt32Array()
		for i in n:
			if _behavior_of[i] == b and by_agent[i] >= 0:
				members.append(i)
		if members.is_empty():
			continue
		var m := members.size()
		var batch := V1.AgentBatch.new()
		batch.behavior = _spec.behaviors[b].name
		var observations := []
		var infos := []
		var rewards := PackedFloat64Array()
		var terminated := []
		var truncated := []
		var live_now := []
		for i in members:
			var report := all[by_agent[i]]
			batch.agents.append(_spec.agents[i].name)
			observations.append(report.observation)
			infos.append(report.info)
			rewards.append(report.reward)
			terminated.append(report.terminated)
			truncated.append(report.truncated)
			var is_live := report.live if is_step else true
			live_now.append(is_live)
			_live[i] = is_live
		batch.observations = Spaces.batch(_spec.behaviors[b].observation_space, observations)
		Values.add_infos(batch.infos, infos)
		if is_step:
			batch.rewards = Tensors.from_float64(rewards, [m])
			batch.terminated = Tensors.from_bools(terminated, [m])
			batch.truncated = Tensors.from_bools(truncated, [m])
			batch.live = Tensors.from_bools(live_now, [m])
		batches.append(batch)
	return true
