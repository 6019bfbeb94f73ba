## A multi-agent env (protocol 1.1): named agents grouped by behaviour, each live
## when it needs an action.
##
## The session drives it through [method reset_agents] and [method step_agents]
## instead of reset/step when the EnvSpec from [method open] lists agents (see
## [method make_multi_agent_spec]). Agents are numbered by their position in
## [code]EnvSpec.agents[/code]. The session checks the agent side's actions (one per
## live agent, none for others, each in its behaviour's action space) before
## calling [method step_agents], keeps track of who is live from the env's
## reports, builds the per-behaviour batches, and refuses a step once no agent is
## live (the episode is over) until the next reset. The env reports, per step,
## every agent that acted, every agent that ended and every agent that became
## live; each at most once. Like reset and step, both may set [member deferred]
## and fill the reports later (the session's complete() then replies).
##
## [codeblock]
## extends "res://addons/rlay/core/multi_agent_environment.gd"
## func reset_agents(_seed: Variant, _options: V1.Value, reports: AgentReports) -> void:
##     reports.live(0, observation_of_agent_0, null)
## func step_agents(actions: Array[AgentAction], reports: AgentReports) -> void:
##     for a in actions:
##         pass  # apply a.action to agent a.agent
##     reports.step(0, observation, 1.0, false, false, null, true)
## [/codeblock]
extends "res://addons/rlay/core/environment.gd"


## One live agent's action.
class AgentAction:
	extends RefCounted
	## The agent's index in EnvSpec.agents.
	var agent := 0
	## The action, element form of its behaviour's action space (already checked).
	var action: V1.Value

	func _init(index: int, value: V1.Value) -> void:
		agent = index
		action = value


## What the env says of one agent in a reply.
class AgentReport:
	extends RefCounted
	var agent := 0
	var observation: V1.Value
	var reward := 0.0
	var terminated := false
	var truncated := false
	## A map_value, or null for an empty info.
	var info: V1.Value
	var live := false


## The agents an env reports in one reply; the session clears it before each command.
class AgentReports:
	extends RefCounted
	## The reports in the order given.
	var all: Array[AgentReport] = []

	## An agent that is live after a reset (or became live in a step, reward 0).
	func live(agent: int, observation: V1.Value, info: V1.Value) -> void:
		step(agent, observation, 0.0, false, false, info, true)

	## An agent's state after a step; an agent that ended is never live.
	func step(
		agent: int,
		observation: V1.Value,
		reward: float,
		terminated: bool,
		truncated: bool,
		info: V1.Value,
		is_live: bool
	) -> void:
		var report := AgentReport.new()
		report.agent = agent
		report.observation = observation
		report.reward = reward
		report.terminated = terminated
		report.truncated = truncated
		report.info = info
		report.live = is_live and not terminated and not truncated
		all.append(report)

	func clear() -> void:
		all.clear()


## Start a new episode (seed: an int, or null for none; options: a map_value or
## null) and report every agent that is live at its start.
func reset_agents(_seed: Variant, _options: V1.Value, _reports: AgentReports) -> void:
	fail("reset_agents is not implemented")


## Apply one action per live agent (in agent order) and report what happened.
func step_agents(_actions: Array[AgentAction], _reports: AgentReports) -> void:
	fail("step_agents is not implemented")


func reset(_args: ResetArgs, _result: ResetResult) -> void:
	fail("a multi-agent env is reset through reset_agents")


func step(_actions: Array, _result: StepResult) -> void:
	fail("a multi-agent env is stepped through step_agents")


## A multi-agent EnvSpec: num_envs 1, AUTORESET_MODE_DISABLED, no single-agent
## spaces, metadata an empty map; behaviours and agents in the order given.
static func make_multi_agent_spec(
	env_id: String, behaviors: Array[V1.BehaviorSpec], agents: Array[V1.AgentSpec]
) -> V1.EnvSpec:
	var spec := V1.EnvSpec.new()
	spec.env_id = env_id
	spec.num_envs = 1
	spec.autoreset_mode = V1.AutoresetMode.AUTORESET_MODE_DISABLED
	spec.metadata = Values.empty_map()
	spec.behaviors = behaviors
	spec.agents = agents
	return spec


static func behavior(
	name: String, observation_space: V1.Space, action_space: V1.Space
) -> V1.BehaviorSpec:
	var declared := V1.BehaviorSpec.new()
	declared.name = name
	declared.observation_space = observation_space
	declared.action_space = action_space
	return declared


static func agent_spec(name: String, behavior_name: String) -> V1.AgentSpec:
	var declared := V1.AgentSpec.new()
	declared.name = name
	declared.behavior = behavior_name
	return declared
