## Connects this game to a trainer in Python and runs it in lockstep with it.
##
## The address comes from (first found): the [member address] property, the
## user argument [code]--rlay-address ADDR[/code] or [code]-rlay-address ADDR[/code]
## (after [code]--[/code] on the command line; ServerEnv's launch= appends the
## latter), the environment variable RLAY_ADDRESS, or, in a web build, the
## page URL's [code]?rlay_address=ws://...[/code]. Python listens there
## ([code]rlay.ServerEnv("ws://127.0.0.1:0")[/code]) and this node dials it.
## Without an address the game runs as usual and agents follow their heuristic.
##
## Lockstep: between steps the scene tree is paused; a step sets every agent's
## action, runs [member action_repeat] physics frames, pauses again and replies.
## Every wait has a deadline: without a request for [member idle_timeout_sec]
## seconds the session ends and the game goes on by itself (a dead trainer
## never freezes it). Calls: "time_scale" (float), "physics_ticks_per_second"
## (int), "action_repeat" (int) each set the value and return the previous one.
## With the user argument [code]--rlay-quit-on-end[/code] the game quits when the
## session ends (exit code 0 after the trainer's close, 1 otherwise): a game the
## trainer launched goes away with it.
##
## Multi-agent: when the agents set [member RlayAgent.behavior_name], the scene
## is one multi-agent env (protocol 1.1; Python drives it with
## [code]rlay.ParallelServerEnv[/code]): its agents, in scene order, grouped by
## behaviour; a step applies the live agents' actions, runs a tick of
## [member action_repeat] physics frames, and reports who acted, ended or became
## live (agent_roster.gd has the life cycle: decision intervals, agents joining
## and leaving, respawns per [member respawn_ended_agents]).
class_name RlayEnvironment
extends Node

signal session_started
signal session_ended(message: String)

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Address = preload("res://addons/rlay/core/transports/address.gd")
const EnvSession = preload("res://addons/rlay/core/env_session.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")
const AgentRoster = preload("res://addons/rlay/nodes/agent_roster.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const Capture = preload("res://addons/rlay/nodes/rlay_capture.gd")

@export var address := ""
@export var token := ""
@export var env_id := "godot-game"
## Physics frames the game runs per step.
@export var action_repeat := 1
## Steps before an episode is truncated (0: no limit of rlay's).
@export var max_episode_steps := 0
@export var hello_timeout_sec := 60.0
@export var idle_timeout_sec := 300.0
## Frame size limit of the link, in bytes.
@export var max_frame_size := 64 * 1024 * 1024
## Multi-agent scenes: an agent whose episode ended starts a new one at a later
## step (true), or stays out until the next reset.
@export var respawn_ended_agents := true

var session: EnvSession
var _env: GameEnv
var _stepping := false
var _frames_done := 0
var _saved_max_physics_steps := 0


## The game side of the session: maps rlay's commands onto the RlayAgent nodes
## (a single-agent or vector env, or with behaviours a multi-agent env).
class GameEnv:
	extends MultiAgentEnv
	var node: RlayEnvironment
	var agents: Array[RlayAgent] = []
	var render_mode := ""
	var steps := PackedInt64Array()
	var ended: Array[bool] = []
	var pending: StepResult
	## The multi-agent life cycle; null for a single-agent or vector scene.
	var roster: AgentRoster
	var reports: AgentReports

	func open(mode: String) -> V1.EnvSpec:
		for found in node.get_tree().get_nodes_in_group(&"rlay_agents"):
			agents.append(found)
		if agents.is_empty():
			fail("no RlayAgent in the scene")
			return null
		if mode not in ["", "rgb_array"]:
			fail("render mode %s is not supported" % mode, V1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT)
			return null
		render_mode = mode
		var spec := _multi_agent_spec() if _is_multi_agent() else _vector_spec()
		if spec == null:
			return null
		spec.render_modes = PackedStringArray(["rgb_array"])
		spec.render_mode = mode
		spec.render_fps = Engine.physics_ticks_per_second / float(node.action_repeat)
		spec.max_episode_steps = node.max_episode_steps
		node.update_render_loop()
		return spec

	func _is_multi_agent() -> bool:
		return agents.any(func(agent: RlayAgent) -> bool: return not agent.behavior_name.is_empty())

	func _multi_agent_spec() -> V1.EnvSpec:
		for agent in agents:
			if agent.behavior_name.is_empty():
				fail("agent %s has no behavior_name while others have" % agent.get_path())
				return null
		roster = AgentRoster.new(agents, node.max_episode_steps)
		roster.respawn_ended_agents = node.respawn_ended_agents
		var problem := roster.check_spaces()
		if problem:
			fail(problem)
			return null
		return roster.make_spec(node.env_id)

	func _vector_spec() -> V1.EnvSpec:
		var n := agents.size()
		var spec := make_spec(
			node.env_id,
			agents[0].get_observation_space(),
			agents[0].get_action_space(),
			n,
			(
				V1.AutoresetMode.AUTORESET_MODE_DISABLED
				if n == 1
				else V1.AutoresetMode.AUTORESET_MODE_NEXT_STEP
			)
		)
		steps.resize(n)
		ended.resize(n)
		return spec

	func reset_agents(seed: Variant, _options: V1.Value, into: AgentReports) -> void:
		roster.reset(seed, into)

	func step_agents(actions: Array[AgentAction], into: AgentReports) -> void:
		roster.start_step(actions)
		reports = into
		deferred = true
		node.begin_step()

	func reset(args: ResetArgs, result: ResetResult) -> void:
		for i in agents.size():
			if args.includes(i):
				agents[i].reset_agent(args.seed_of(i))
				steps[i] = 0
				ended[i] = false
				result.infos[i] = agents[i].get_info()
			else:
				result.infos[i] = Values.empty_map()
			result.observations[i] = agents[i].get_observation()

	func step(actions: Array, result: StepResult) -> void:
		for i in agents.size():
			if not ended[i]:
				agents[i].set_action(actions[i])
		pending = result
		deferred = true
		node.begin_step()

	## After the frames: read every agent (or reset those whose episode ended before).
	## False when a multi-agent step must run another tick (nobody decides yet).
	func finish_step() -> bool:
		if roster != null:
			return roster.end_tick(reports)
		var result := pending
		pending = null
		for i in agents.size():
			var agent := agents[i]
			if ended[i]:
				agent.reset_agent(null)
				steps[i] = 0
				ended[i] = false
				result.observations[i] = agent.get_observation()
				result.infos[i] = agent.get_info()
				continue
			steps[i] += 1
			result.observations[i] = agent.get_observation()
			result.rewards[i] = agent.get_reward()
			result.terminated[i] = agent.is_terminated()
			var limit := node.max_episode_steps > 0 and steps[i] >= node.max_episode_steps
			result.truncated[i] = agent.is_truncated() or limit
			result.infos[i] = agent.get_info()
			ended[i] = agents.size() > 1 and (result.terminated[i] or result.truncated[i])
		return true

	func render() -> Array:
		var frames := []
		# A multi-agent env is one env: one frame.
		for i in 1 if roster != null else agents.size():
			if render_mode == "rgb_array":
				frames.append(Capture.rgb(node.get_viewport()))
			else:
				frames.append(Values.none())
		return frames

	func call_env(name: String, value: V1.Value) -> V1.Value:
		if name not in ["time_scale", "physics_ticks_per_second", "action_repeat"]:
			return super(name, value)
		var number: Variant = _number(value)
		if number == null or number <= 0.0 or (name != "time_scale" and number < 1.0):
			fail("%s needs a positive number" % name)
			return null
		var previous: V1.Value
		match name:
			"time_scale":
				previous = Values.real(Engine.time_scale)
				Engine.time_scale = number
			"physics_ticks_per_second":
				previous = Values.integer(Engine.physics_ticks_per_second)
				Engine.physics_ticks_per_second = int(number)
			"action_repeat":
				previous = Values.integer(node.action_repeat)
				node.action_repeat = int(number)
				node.pace_physics()
		return previous

	static func _number(value: V1.Value) -> Variant:
		if value == null:
			return null
		if value.kind_case == V1.Value.KIND_FLOAT_VALUE:
			return value.float_value
		if value.kind_case == V1.Value.KIND_INT_VALUE:
			return float(value.int_value)
		return null

	func close() -> void:
		node.end_lockstep()


func _ready() -> void:
	process_mode = Node.PROCESS_MODE_ALWAYS
	# First among the physics nodes: a step starts before the game's frame runs.
	process_physics_priority = -1000
	var where := _find_address()
	if where.is_empty():
		return
	var link: Variant = Address.dial(where, max_frame_size)
	if link is String:
		push_error("rlay: " + link)
		return
	_env = GameEnv.new()
	_env.node = self
	if token.is_empty() and OS.has_environment("RLAY_TOKEN"):
		token = OS.get_environment("RLAY_TOKEN")
	session = EnvSession.new(link, _env, token)
	session.hello_timeout_ms = int(hello_timeout_sec * 1000)
	session.idle_timeout_ms = int(idle_timeout_sec * 1000)
	_saved_max_physics_steps = Engine.max_physics_steps_per_frame
	pace_physics()
	get_tree().paused = true


## The trainer's address, or "" when the game runs on its own.
func _find_address() -> String:
	if not address.is_empty():
		return address
	var user_args := OS.get_cmdline_user_args()
	for i in user_args.size():
		if user_args[i] in ["--rlay-address", "-rlay-address"] and i + 1 < user_args.size():
			return user_args[i + 1]
		if user_args[i].begins_with("--rlay-address="):
			return user_args[i].trim_prefix("--rlay-address=")
	if OS.has_environment("RLAY_ADDRESS"):
		return OS.get_environment("RLAY_ADDRESS")
	if OS.has_feature("web"):
		var from_page: Variant = JavaScriptBridge.eval(
			"new URLSearchParams(window.location.search).get('rlay_address') || ''", true
		)
		if from_page is String:
			return from_page
	return ""


func _process(_delta: float) -> void:
	if session != null and not _stepping:
		_poll()


func _physics_process(_delta: float) -> void:
	if session == null:
		return
	if _stepping and _frames_done >= action_repeat:
		_stepping = false
		get_tree().paused = true
		if _env.finish_step():
			session.complete()
		else:
			begin_step()  # nobody decides yet: the step runs another tick
	if not _stepping:
		_poll()
	if _stepping:
		_frames_done += 1  # the game runs this physics frame


func _poll() -> void:
	var had_spec := session.spec != null
	if session.poll():
		if not had_spec and session.spec != null:
			session_started.emit()
		return
	var message := session.end_message
	var clean := session.end == EnvSession.End.CLOSED
	session = null
	end_lockstep()
	session_ended.emit(message)
	print("rlay: session ended: ", message)
	if "--rlay-quit-on-end" in OS.get_cmdline_user_args():
		get_tree().quit(0 if clean else 1)


## Called by the session's step: unpause for action_repeat physics frames.
func begin_step() -> void:
	_stepping = true
	_frames_done = 0
	get_tree().paused = false


## In lockstep a main-loop iteration runs at most action_repeat physics frames.
## Godot catches up with the wall clock by running every physics frame that is
## due (up to max_physics_steps_per_frame): at a high physics_ticks_per_second
## a busy machine made one iteration run hundreds of them, paused or not, and
## each slow iteration made the next one slower. Steps are driven by the
## trainer's requests, so frames that fell behind the wall clock need no
## catching up.
func pace_physics() -> void:
	Engine.max_physics_steps_per_frame = maxi(1, action_repeat)


## The game goes on by itself (session over): unpause, frames back on.
func end_lockstep() -> void:
	_stepping = false
	get_tree().paused = false
	RenderingServer.render_loop_enabled = true
	if _saved_max_physics_steps > 0:
		Engine.max_physics_steps_per_frame = _saved_max_physics_steps


## Frames are drawn only when someone looks: a person (no session), an
## rgb_array render, or agents whose observations are images.
func update_render_loop() -> void:
	var needed := _env == null or _env.render_mode == "rgb_array"
	if _env != null:
		for agent in _env.agents:
			needed = needed or agent.needs_rendering()
	RenderingServer.render_loop_enabled = needed


## Heuristic play when no trainer drives: agents act on their own.
func _unhandled_input(_event: InputEvent) -> void:
	pass
