## The env side of one rlay session over one link, driven from the game loop.
##
## Call [method poll] every frame (or in a loop): it moves bytes, answers every
## request that arrived and returns false once the session ended ([member end]
## and [member end_message] say how). The rules are the other bindings': hello
## first (version, token, render mode checked), then one reply per request;
## an env error or a bad action is answered with an Error and the session goes
## on; a malformed frame, a second hello or an oversized frame ends it. An env
## whose EnvSpec lists agents is multi-agent (protocol 1.1; it extends
## multi_agent_environment.gd): an agent side whose hello lacks the capability
## "multi_agent" is refused with ERROR_CODE_CAPABILITY_REQUIRED, and resets and
## steps go through the AgentSession's rules.
##
## [codeblock]
## var session := EnvSession.new(link, my_env, token)
## # in _physics_process: if not session.poll(): print(session.end_message)
## [/codeblock]
extends RefCounted

enum End { RUNNING, CLOSED, REFUSED, LOST, TIMED_OUT, PROTOCOL_ERROR }

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Link = preload("res://addons/rlay/core/transports/link.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const EnvBase = preload("res://addons/rlay/core/environment.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")
const AgentSession = preload("res://addons/rlay/core/agent_session.gd")

const PROTOCOL_MAJOR := 1
## 1.1: multi-agent envs (a single-agent env speaks exactly 1.0 whatever the minor).
const PROTOCOL_MINOR := 1
const IMPLEMENTATION := "rlay-gdscript"
const IMPLEMENTATION_VERSION := "1.0.0"
const CAPABILITIES := ["render", "call"]

## Milliseconds the agent has to connect and send hello.
var hello_timeout_ms := 30000
## Milliseconds without a request before the session gives up (-1: never).
var idle_timeout_ms := -1
var end: End = End.RUNNING
var end_message := ""
## What the env declared in open(); null before the handshake.
var spec: V1.EnvSpec
## The multi-agent rules when the env declares agents; null for a single-agent env.
var agents: AgentSession

var _link: Link
var _env: EnvBase
# The same env seen as a multi-agent env (null for a single-agent one).
var _multi: MultiAgentEnv
var _token := ""
var _opened := false
var _has_reset := false
var _num_envs := 1
var _started_ms := 0
var _last_request_ms := 0
# A reset or step the env answers later (EnvBase.deferred): its result and kind.
var _pending: RefCounted
var _pending_kind := 0


func _init(link: Link, environment: EnvBase, token: String = "") -> void:
	_link = link
	_env = environment
	_token = token
	_started_ms = Time.get_ticks_msec()
	_last_request_ms = _started_ms


## Serve what arrived; false once the session is over.
func poll() -> bool:
	if end != End.RUNNING:
		return false
	_link.poll()
	while end == End.RUNNING and _pending == null:
		var frame: Variant = _link.receive()
		if frame == null:
			break
		_last_request_ms = Time.get_ticks_msec()
		_handle(frame)
	if end == End.RUNNING:
		_check_link()
	return end == End.RUNNING


func _check_link() -> void:
	if not _link.failure.is_empty():
		if _link.failure_code != 0:
			_fatal(_link.failure_code, _link.failure)
		else:
			_finish(End.LOST, _link.failure)
	elif _link.status() == Link.CLOSED:
		_finish(End.LOST, "the agent closed the connection (%s)" % _link.description)
	elif spec == null and Time.get_ticks_msec() - _started_ms > hello_timeout_ms:
		_finish(End.TIMED_OUT, "no hello within %d ms" % hello_timeout_ms)
	elif (
		spec != null
		and idle_timeout_ms >= 0
		and Time.get_ticks_msec() - _last_request_ms > idle_timeout_ms
	):
		_finish(End.TIMED_OUT, "no request within %d ms" % idle_timeout_ms)


## True while a deferred reset or step waits for complete().
func is_waiting() -> bool:
	return _pending != null


## Send the reply of the deferred reset or step, once the env filled its result.
func complete() -> void:
	if _pending == null or end != End.RUNNING:
		return
	var result := _pending
	var kind := _pending_kind
	_pending = null
	var response := V1.SessionResponse.new()
	if agents != null:
		_reply_agents(kind, response)
	elif kind == V1.SessionRequest.KIND_RESET:
		_reply_reset(result, response)
	else:
		_reply_step(result, response)
	_reply(response, "")


## End the session from the game's side (the env is closed).
func close() -> void:
	if end == End.RUNNING:
		_finish(End.CLOSED, "closed by the game")


func _finish(how: End, message: String) -> void:
	end = how
	end_message = message
	_link.close()
	if _opened:
		_opened = false
		_env.close()


func _send(response: V1.SessionResponse) -> void:
	_link.send(response.to_bytes())


func _fatal(code: int, message: String) -> void:
	var response := V1.SessionResponse.new()
	var error := V1.RlayError.new()
	error.code = code
	error.message = message
	response.set_error(error)
	_send(response)
	_link.poll()
	var how := End.PROTOCOL_ERROR
	if (
		code
		in [
			V1.ErrorCode.ERROR_CODE_VERSION_MISMATCH,
			V1.ErrorCode.ERROR_CODE_UNAUTHENTICATED,
			V1.ErrorCode.ERROR_CODE_CAPABILITY_REQUIRED,
			V1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
			V1.ErrorCode.ERROR_CODE_ENV,
		]
	):
		how = End.REFUSED
	_finish(how, "%s: %s" % [_code_name(code), message])


static func _code_name(code: int) -> String:
	for name in V1.ErrorCode:
		if V1.ErrorCode[name] == code:
			return name
	return str(code)


func _handle(frame: PackedByteArray) -> void:
	var reader := V1.ProtoWire.Reader.new(frame)
	var request := V1.SessionRequest.new()
	if not request.merge_from(reader):
		_fatal(V1.ErrorCode.ERROR_CODE_PROTOCOL, "undecodable request: " + reader.error)
		return
	if spec == null:
		_handshake(request)
		return
	var response := V1.SessionResponse.new()
	match request.kind_case:
		V1.SessionRequest.KIND_CLOSE:
			response.set_close(V1.CloseResponse.new())
			_send(response)
			_link.poll()
			_finish(End.CLOSED, "closed by the agent")
			return
		V1.SessionRequest.KIND_HELLO:
			_fatal(V1.ErrorCode.ERROR_CODE_PROTOCOL, "hello sent twice")
			return
		V1.SessionRequest.KIND_NOT_SET:
			_fatal(V1.ErrorCode.ERROR_CODE_PROTOCOL, "a request with no command")
			return
	_env.error_code = 0
	_env.error_message = ""
	var problem := ""
	match request.kind_case:
		V1.SessionRequest.KIND_RESET:
			problem = _on_reset(request.reset, response)
		V1.SessionRequest.KIND_STEP:
			problem = _on_step(request.step, response)
		V1.SessionRequest.KIND_RENDER:
			var reply := V1.RenderResponse.new()
			for frame_value in _env.render():
				reply.frames.append(frame_value if frame_value != null else Values.none())
			response.set_render(reply)
		V1.SessionRequest.KIND_CALL:
			var call_reply := V1.CallResponse.new()
			call_reply.value = _env.call_env(request.call_field.name, request.call_field.value)
			response.set_call_field(call_reply)
	if _pending == null:
		_reply(response, problem)


func _reply(response: V1.SessionResponse, problem: String) -> void:
	var code: int = V1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT if problem else _env.error_code
	if code != 0:
		var error := V1.RlayError.new()
		error.code = code
		error.message = problem if problem else _env.error_message
		response = V1.SessionResponse.new()
		response.set_error(error)
	_send(response)


func _handshake(request: V1.SessionRequest) -> void:
	if request.kind_case != V1.SessionRequest.KIND_HELLO:
		_fatal(V1.ErrorCode.ERROR_CODE_PROTOCOL, "expected hello first")
		return
	var hello := request.hello
	var major := 0 if hello.protocol_version == null else hello.protocol_version.major
	var minor := 0 if hello.protocol_version == null else hello.protocol_version.minor
	if major != PROTOCOL_MAJOR:
		var agent := hello.implementation if hello.implementation else "unknown"
		_fatal(
			V1.ErrorCode.ERROR_CODE_VERSION_MISMATCH,
			(
				"protocol version mismatch: the agent (%s %s) speaks %d.%d, this env (%s %s) speaks %d.%d"
				% [
					agent,
					hello.implementation_version,
					major,
					minor,
					IMPLEMENTATION,
					IMPLEMENTATION_VERSION,
					PROTOCOL_MAJOR,
					PROTOCOL_MINOR
				]
			)
		)
		return
	if not _token.is_empty() and not _tokens_equal(hello.token, _token):
		_fatal(V1.ErrorCode.ERROR_CODE_UNAUTHENTICATED, "the agent's token is missing or wrong")
		return
	_opened = true
	_env.error_code = 0
	var opened: V1.EnvSpec = _env.open(hello.render_mode)
	if opened == null or _env.error_code != 0:
		var code: int = _env.error_code if _env.error_code != 0 else V1.ErrorCode.ERROR_CODE_ENV
		_fatal(code, "could not open the env: " + _env.error_message)
		return
	var problem := ""
	if AgentSession.is_multi_agent(opened):
		if not _env is MultiAgentEnv:
			problem = "the EnvSpec declares agents but the env does not extend multi_agent_environment.gd"
		else:
			_multi = _env as MultiAgentEnv
			agents = AgentSession.new(opened)
			problem = agents.spec_problem
	elif opened.observation_space == null or opened.action_space == null:
		problem = "the EnvSpec needs an observation and an action space"
	if problem:
		_fatal(V1.ErrorCode.ERROR_CODE_ENV, "could not open the env: " + problem)
		return
	if agents != null and AgentSession.CAPABILITY not in hello.capabilities:
		# After the version and token checks, as the contract orders them.
		_fatal(
			V1.ErrorCode.ERROR_CODE_CAPABILITY_REQUIRED,
			(
				(
					"the env '%s' is multi-agent: the agent side must list the capability '%s'"
					% [opened.env_id, AgentSession.CAPABILITY]
				)
				+ " (protocol 1.1); connect with a multi-agent client"
			)
		)
		return
	spec = opened
	if spec.num_envs == 0:
		spec.num_envs = 1
	_num_envs = spec.num_envs
	var reply := V1.Hello.new()
	reply.protocol_version = V1.ProtocolVersion.new()
	reply.protocol_version.major = PROTOCOL_MAJOR
	reply.protocol_version.minor = PROTOCOL_MINOR
	reply.implementation = IMPLEMENTATION
	reply.implementation_version = IMPLEMENTATION_VERSION
	reply.capabilities = PackedStringArray(CAPABILITIES)
	if agents != null:
		reply.capabilities.append(AgentSession.CAPABILITY)
	reply.env_spec = spec
	var response := V1.SessionResponse.new()
	response.set_hello(reply)
	_send(response)


## Constant time, so the token cannot be guessed byte by byte.
static func _tokens_equal(a: String, b: String) -> bool:
	var x := a.to_utf8_buffer()
	var y := b.to_utf8_buffer()
	var diff := x.size() ^ y.size()
	for i in mini(x.size(), y.size()):
		diff |= x[i] ^ y[i]
	return diff == 0


func _on_reset(reset: V1.ResetRequest, response: V1.SessionResponse) -> String:
	var args := EnvBase.ResetArgs.new()
	if not reset.seeds.is_empty():
		if reset.seeds.size() != _num_envs:
			return "seeds: expected %d seeds, got %d" % [_num_envs, reset.seeds.size()]
		for seed_message in reset.seeds:
			var chosen: bool = seed_message.choice_case == V1.Seed.CHOICE_VALUE
			args.seeds.append(seed_message.value if chosen else null)
	if reset.options != null and reset.options.kind_case != V1.Value.KIND_NOT_SET:
		if reset.options.kind_case != V1.Value.KIND_MAP_VALUE:
			return "options: expected a map_value, got %s" % Values.kind_name(reset.options)
		args.options = reset.options
	if not reset.mask.is_empty():
		if reset.mask.size() != _num_envs:
			return "mask: expected %d entries, got %d" % [_num_envs, reset.mask.size()]
		args.mask = reset.mask
	if agents != null:
		_env.deferred = false
		agents.reset(_multi, args.seed_of(0), args.options)
		_defer_or_reply_agents(V1.SessionRequest.KIND_RESET, response)
		return ""
	var result := EnvBase.ResetResult.new(_num_envs)
	_env.deferred = false
	_env.reset(args, result)
	if _env.deferred and _env.error_code == 0:
		_pending = result
		_pending_kind = V1.SessionRequest.KIND_RESET
		return ""
	_reply_reset(result, response)
	return ""


func _reply_reset(result: EnvBase.ResetResult, response: V1.SessionResponse) -> void:
	if _env.error_code != 0:
		return
	var reply := V1.ResetResponse.new()
	reply.observations = _batch(result.observations)
	if reply.observations == null:
		return
	Values.add_infos(reply.infos, result.infos)
	_has_reset = true
	response.set_reset(reply)


func _on_step(step: V1.StepRequest, response: V1.SessionResponse) -> String:
	if not _has_reset:
		_env.fail("step before the first reset", V1.ErrorCode.ERROR_CODE_FAILED_PRECONDITION)
		return ""
	if agents != null:
		return _on_agents_step(step, response)
	var actions: Variant = Spaces.unbatch(spec.action_space, step.actions, _num_envs, "actions")
	if actions is String:
		return actions
	var result := EnvBase.StepResult.new(_num_envs)
	_env.deferred = false
	_env.step(actions, result)
	if _env.deferred and _env.error_code == 0:
		_pending = result
		_pending_kind = V1.SessionRequest.KIND_STEP
		return ""
	_reply_step(result, response)
	return ""


func _reply_step(result: EnvBase.StepResult, response: V1.SessionResponse) -> void:
	if _env.error_code != 0:
		return
	var reply := V1.StepResponse.new()
	reply.observations = _batch(result.observations)
	if reply.observations == null:
		return
	reply.rewards = Tensors.from_float64(result.rewards, [_num_envs])
	reply.terminated = Tensors.from_bools(result.terminated, [_num_envs])
	reply.truncated = Tensors.from_bools(result.truncated, [_num_envs])
	Values.add_infos(reply.infos, result.infos)
	for final in result.finals:
		reply.finals.append(final)
	response.set_step(reply)


## The batch form of the env's observations; null (and an ENV error) when one is missing.
func _batch(observations: Array) -> V1.Value:
	for i in observations.size():
		if observations[i] == null:
			_env.fail("the env gave no observation for sub-environment %d" % i)
			return null
	return Spaces.batch(spec.observation_space, observations)


func _on_agents_step(step: V1.StepRequest, response: V1.SessionResponse) -> String:
	_env.deferred = false
	var problem := agents.step(_multi, step)
	if problem or _env.error_code != 0:
		return problem
	_defer_or_reply_agents(V1.SessionRequest.KIND_STEP, response)
	return ""


func _defer_or_reply_agents(kind: int, response: V1.SessionResponse) -> void:
	if _env.deferred and _env.error_code == 0:
		_pending = agents  # any non-null marker: the reports live in the AgentSession
		_pending_kind = kind
		return
	_reply_agents(kind, response)


func _reply_agents(kind: int, response: V1.SessionResponse) -> void:
	if kind == V1.SessionRequest.KIND_RESET:
		var reset_reply := agents.reset_reply(_multi)
		if reset_reply != null:
			_has_reset = true
			response.set_reset(reset_reply)
	else:
		var step_reply := agents.step_reply(_multi)
		if step_reply != null:
			response.set_step(step_reply)
