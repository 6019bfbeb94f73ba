## The multi-agent life cycle of a scene's RlayAgent nodes (docs/protocol.md,
## "Multi-agent envs"): who is alive, who decides this step, who ended, who
## spawns or respawns, and what each reply reports. RlayEnvironment drives it
## once per environment step (a tick of action_repeat physics frames).
##
## An agent is alive from its episode's start to its end (terminated, truncated
## or the environment's max_episode_steps); it is live (it needs an action) when
## alive and its steps since spawning are a multiple of its decision_interval.
## Between decisions it keeps its last action. An agent that ended, or that is
## not present ([method RlayAgent.is_present] false: not spawned yet, left the
## game), spawns (starts a new episode) at the end of a later step once present;
## with [member respawn_ended_agents] false an agent that ended stays out until
## the next reset. When no agent is live after a tick but some are alive, the
## step runs more ticks until one is, so the trainer never waits on nobody; when
## none is alive, the reply ends the episode. Rewards accrue per tick and are
## reported when the agent is next reported.
## [codeblock]
## var roster := AgentRoster.new(agents, 0)
## roster.reset(seed, reports)
## roster.start_step(actions)  # then physics frames, then:
## var done := roster.end_tick(reports)  # false: run another tick first
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")

## A step that finds nobody deciding after this many ticks answers anyway.
const MAX_TICKS_PER_STEP := 10000

## Agents that ended start a new episode at a later step (true) or stay out until reset.
var respawn_ended_agents := true
## Ticks after which an agent is truncated (0: no limit).
var max_episode_steps := 0

var _agents: Array[RlayAgent] = []
var _alive: Array[bool] = []
var _live: Array[bool] = []
var _ever_alive: Array[bool] = []
var _acted: Array[bool] = []
var _ticks := PackedInt64Array()
var _rewards := PackedFloat64Array()
# Per agent, what this step reports so far (merged over ticks), or null.
var _pending: Array[MultiAgentEnv.AgentReport] = []
var _ticks_this_step := 0


func _init(agents: Array[RlayAgent], limit: int) -> void:
	_agents = agents
	max_episode_steps = limit
	var n := agents.size()
	for list: Array[bool] in [_alive, _live, _ever_alive, _acted]:
		list.resize(n)
	_ticks.resize(n)
	_rewards.resize(n)
	_pending.resize(n)


## The EnvSpec's behaviours (in order of first appearance) and agents (in scene
## order); the agent's name is its agent_name, or its node name when empty.
func make_spec(env_id: String) -> V1.EnvSpec:
	var behaviors: Array[V1.BehaviorSpec] = []
	var seen := {}
	var agents: Array[V1.AgentSpec] = []
	for agent in _agents:
		var behavior := agent.behavior_name
		if not seen.has(behavior):
			seen[behavior] = true
			behaviors.append(
				MultiAgentEnv.behavior(
					behavior, agent.get_observation_space(), agent.get_action_space()
				)
			)
		agents.append(MultiAgentEnv.agent_spec(name_of(agent), behavior))
	return MultiAgentEnv.make_multi_agent_spec(env_id, behaviors, agents)


## A problem with the agents' declared spaces ("" when every behaviour's agents agree).
func check_spaces() -> String:
	var first := {}
	for agent in _agents:
		var spaces := agent.get_observation_space().to_bytes() + agent.get_action_space().to_bytes()
		if not first.has(agent.behavior_name):
			first[agent.behavior_name] = spaces
		elif first[agent.behavior_name] != spaces:
			return (
				"agent '%s' declares other spaces than the first agent of behaviour '%s'"
				% [name_of(agent), agent.behavior_name]
			)
	return ""


static func name_of(agent: RlayAgent) -> String:
	return agent.agent_name if not agent.agent_name.is_empty() else String(agent.name)


## Whether agent i needs an action now.
func is_live(i: int) -> bool:
	return _live[i]


## Whether agent i is in an episode now.
func is_alive(i: int) -> bool:
	return _alive[i]


## Start every present agent's episode (seed + i when seeded); report them live.
func reset(seed: Variant, reports: MultiAgentEnv.AgentReports) -> void:
	for i in _agents.size():
		_alive[i] = false
		_live[i] = false
		_ever_alive[i] = false
		if _agents[i].is_present():
			_spawn(i, null if seed == null else seed + i)
			_live[i] = true
	# Observed once every agent has started: an observation may look at the others.
	for i in _agents.size():
		if _live[i]:
			reports.live(i, _agents[i].get_observation(), _agents[i].get_info())


## A trainer's step begins: each live agent's action (already checked).
func start_step(actions: Array[MultiAgentEnv.AgentAction]) -> void:
	_acted.fill(false)
	_pending.fill(null)
	_ticks_this_step = 0
	for action in actions:
		_agents[action.agent].set_action(action.action)
		_acted[action.agent] = true


## A tick (action_repeat physics frames) ended: count it, find ends, spawns and
## who decides next. Returns true when the step can be answered (someone is
## live, or nobody can be); reports then holds the step's reports.
func end_tick(reports: MultiAgentEnv.AgentReports) -> bool:
	var n := _agents.size()
	var ended: Array[bool] = []
	ended.resize(n)
	for i in n:
		if not _alive[i]:
			continue
		var agent := _agents[i]
		_ticks[i] += 1
		_rewards[i] += agent.get_reward()
		var terminated := agent.is_terminated()
		var truncated := (
			agent.is_truncated() or (max_episode_steps > 0 and _ticks[i] >= max_episode_steps)
		)
		if terminated or truncated:
			ended[i] = true
			_alive[i] = false
			_merge(i, terminated, truncated, false)
	for i in n:
		var ended_before := _ever_alive[i] and not respawn_ended_agents
		if _alive[i] or ended[i] or ended_before or not _agents[i].is_present():
			continue
		if _pending[i] != null and (_pending[i].terminated or _pending[i].truncated):
			continue  # ended earlier in this step: it spawns in a later one
		_spawn(i, null)
	var any_live := false
	var any_alive := false
	for i in n:
		_live[i] = _alive[i] and _ticks[i] % maxi(1, _agents[i].decision_interval) == 0
		any_live = any_live or _live[i]
		any_alive = any_alive or _alive[i]
	for i in n:
		# Acted this step, or became live without acting (spawned, deciding again).
		if _alive[i] and not ended[i] and ((_acted[i] and _ticks_this_step == 0) or _live[i]):
			_merge(i, false, false, _live[i])
	_ticks_this_step += 1
	# Spawns are done, so nobody alive means nobody can be: the episode is over.
	if not (any_live or not any_alive or _ticks_this_step >= MAX_TICKS_PER_STEP):
		return false
	for i in n:
		var report := _pending[i]
		if report != null:
			reports.step(
				i,
				report.observation,
				report.reward,
				report.terminated,
				report.truncated,
				report.info,
				_live[i]
			)
	return true


func _merge(i: int, terminated: bool, truncated: bool, is_live: bool) -> void:
	var report := _pending[i]
	if report == null:
		report = MultiAgentEnv.AgentReport.new()
		report.agent = i
		_pending[i] = report
	report.observation = _agents[i].get_observation()
	report.reward += _rewards[i]
	_rewards[i] = 0.0
	report.terminated = report.terminated or terminated
	report.truncated = report.truncated or truncated
	var info := _agents[i].get_info()
	report.info = info if info != null else report.info
	report.live = is_live


func _spawn(i: int, seed: Variant) -> void:
	_agents[i].reset_agent(seed)
	_alive[i] = true
	_ever_alive[i] = true
	_ticks[i] = 0
	_rewards[i] = 0.0
