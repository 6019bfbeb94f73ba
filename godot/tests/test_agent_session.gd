## Multi-agent (protocol 1.1): the AgentSession's rules on the conformance peer's
## `multi-agent` env, and the env session's capability handshake over a fake link.
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const AgentSession = preload("res://addons/rlay/core/agent_session.gd")
const EnvSession = preload("res://addons/rlay/core/env_session.gd")
const Link = preload("res://addons/rlay/core/transports/link.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const MultiAgent = preload("res://peer/env_multi_agent.gd")


## A link that hands over queued frames and keeps what is sent.
class FakeLink:
	extends Link
	var incoming: Array[PackedByteArray] = []
	var sent: Array[PackedByteArray] = []
	var closed := false

	func status() -> int:
		return CLOSED if closed else OPEN

	func receive() -> Variant:
		return null if incoming.is_empty() else incoming.pop_front()

	func send(frame: PackedByteArray) -> bool:
		sent.append(frame)
		return true

	func close() -> void:
		closed = true


static func _hello(capabilities: Array) -> PackedByteArray:
	var hello := V1.Hello.new()
	hello.protocol_version = V1.ProtocolVersion.new()
	hello.protocol_version.major = 1
	hello.protocol_version.minor = 1
	hello.capabilities = PackedStringArray(capabilities)
	var request := V1.SessionRequest.new()
	request.set_hello(hello)
	return request.to_bytes()


static func _response(frame: PackedByteArray) -> V1.SessionResponse:
	var response := V1.SessionResponse.new()
	response.merge_from(V1.ProtoWire.Reader.new(frame))
	return response


static func _spec(agents: Array, behaviors: Array) -> V1.EnvSpec:
	var declared_behaviors: Array[V1.BehaviorSpec] = []
	for name in behaviors:
		declared_behaviors.append(
			MultiAgentEnv.behavior(name, Spaces.discrete(2), Spaces.discrete(3))
		)
	var declared_agents: Array[V1.AgentSpec] = []
	for pair in agents:
		declared_agents.append(MultiAgentEnv.agent_spec(pair[0], pair[1]))
	return MultiAgentEnv.make_multi_agent_spec("test", declared_behaviors, declared_agents)


## One StepRequest: entries of [behaviour, agent names, batch Value].
static func _step(entries: Array) -> V1.StepRequest:
	var request := V1.StepRequest.new()
	for entry in entries:
		var actions := V1.AgentActions.new()
		actions.behavior = entry[0]
		actions.agents = PackedStringArray(entry[1])
		actions.actions = entry[2]
		request.agent_actions.append(actions)
	return request


static func _runner_actions(values: Array) -> V1.Value:
	return Values.tensor(Tensors.from_int64(PackedInt64Array(values), [values.size()]))


static func _scout_actions(count: int) -> V1.Value:
	var zeros := PackedFloat32Array()
	zeros.resize(count * 2)
	return Values.tensor(Tensors.from_float32(zeros, [count, 2]))


func test_a_spec_that_breaks_the_rules_is_refused(check: Variant) -> void:
	var fine := _spec([["a", "x"], ["b", "y"]], ["x", "y"])
	check.equal(AgentSession.new(fine).spec_problem, "", "a valid spec")
	var cases := {
		"two agents are named": _spec([["a", "x"], ["a", "x"]], ["x"]),
		"undeclared behaviour": _spec([["a", "z"]], ["x"]),
		"has no agent": _spec([["a", "x"]], ["x", "y"]),
		"agent 0 has no name": _spec([["", "x"]], ["x"]),
		"two behaviours are named": _spec([["a", "x"]], ["x", "x"]),
	}
	for expected: String in cases:
		var problem := AgentSession.new(cases[expected]).spec_problem
		check.truth(problem.contains(expected), "%s: %s" % [expected, problem])
	var with_space := _spec([["a", "x"]], ["x"])
	with_space.observation_space = Spaces.discrete(2)
	check.truth(
		AgentSession.new(with_space).spec_problem.contains("unset"), "single-agent spaces set"
	)


func test_an_episode_follows_the_live_agents(check: Variant) -> void:
	var env := MultiAgent.new()
	var spec := env.open("")
	var agents := AgentSession.new(spec)
	check.equal(agents.spec_problem, "", "the conformance spec keeps the rules")
	check.equal(agents.step(env, _step([])), "", "no problem named for a step before reset")
	check.equal(env.error_code, V1.ErrorCode.ERROR_CODE_FAILED_PRECONDITION, "step before reset")
	env.error_code = 0
	agents.reset(env, 7, null)
	var reset := agents.reset_reply(env)
	check.equal(reset.agents.size(), 2, "two behaviours have live agents")
	check.equal(reset.agents[0].behavior, "runner", "runners first")
	check.equal(Array(reset.agents[0].agents), ["runner_0", "runner_1"], "runner_2 not yet")
	check.equal(Array(reset.agents[1].agents), ["scout_0", "scout_1"], "scouts")
	check.truth(reset.agents[0].rewards == null, "a reset reply has no rewards")
	check.equal(reset.agents[0].infos.size(), 2, "runner infos")
	check.equal(reset.agents[1].infos.size(), 0, "empty scout infos are left out")
	var runners := ["runner", ["runner_0", "runner_1"], _runner_actions([1, -2])]
	var scouts := ["scout", ["scout_0", "scout_1"], _scout_actions(2)]
	var refused := {
		"no action for live agent 'scout_1'": [runners, ["scout", ["scout_0"], _scout_actions(1)]],
		"unknown agent 'nobody'": [runners, scouts, ["runner", ["nobody"], _runner_actions([0])]],
		"has behaviour 'scout', not 'runner'":
		[runners, scouts, ["runner", ["scout_0"], _runner_actions([0])]],
		"is not live": [runners, scouts, ["runner", ["runner_2"], _runner_actions([0])]],
		"has two actions": [runners, scouts, ["runner", ["runner_0"], _runner_actions([0])]],
		"unknown behaviour 'pilot'": [runners, scouts, ["pilot", ["runner_0"], null]],
		"agent_actions[0].actions": [["runner", ["runner_0", "runner_1"], _runner_actions([9, 0])]],
	}
	for expected: String in refused:
		var problem := agents.step(env, _step(refused[expected]))
		check.truth(problem.contains(expected), "%s: %s" % [expected, problem])
	check.equal(
		Array(agents.live_agents()),
		["runner_0", "scout_0", "runner_1", "scout_1"],
		"a refused step changes nothing"
	)
	var empty_entry := ["scout", [], null]
	check.equal(agents.step(env, _step([runners, scouts, empty_entry])), "", "a right step")
	var reply := agents.step_reply(env)
	check.equal(Array(reply.agents[0].agents), ["runner_0", "runner_1", "runner_2"], "spawned")
	check.equal(Array(Tensors.to_ints(reply.agents[0].live)), [1, 1, 1], "runners live")
	check.equal(Array(reply.agents[1].agents), ["scout_0", "scout_1"], "scouts acted")
	check.equal(Array(Tensors.to_ints(reply.agents[1].live)), [0, 0], "scouts pause at odd t")
	check.equal(Tensors.to_floats(reply.agents[1].rewards)[0], 0.125, "scout reward age/8")
	check.equal(Tensors.to_floats(reply.agents[0].rewards)[2], 0.0, "a new agent's reward")
	var steps := 1
	while not agents.live_agents().is_empty():
		var entries := []
		var live := agents.live_agents()
		var live_runners := Array(live).filter(func(n: String) -> bool: return n.begins_with("r"))
		var live_scouts := Array(live).filter(func(n: String) -> bool: return n.begins_with("s"))
		var zeros := []
		zeros.resize(live_runners.size())
		zeros.fill(0)
		entries.append(["runner", live_runners, _runner_actions(zeros)])
		entries.append(["scout", live_scouts, _scout_actions(live_scouts.size())])
		check.equal(agents.step(env, _step(entries)), "", "step %d" % (steps + 1))
		check.truth(agents.step_reply(env) != null, "reply %d" % (steps + 1))
		steps += 1
	check.equal(steps, 8, "the episode ends at t = 8")
	agents.step(env, _step([]))
	check.equal(env.error_code, V1.ErrorCode.ERROR_CODE_FAILED_PRECONDITION, "episode over")


func test_an_agent_side_without_the_capability_is_refused(check: Variant) -> void:
	var link := FakeLink.new()
	link.incoming.append(_hello(["render"]))
	var session := EnvSession.new(link, MultiAgent.new())
	check.truth(not session.poll(), "the session ends")
	check.equal(session.end, EnvSession.End.REFUSED, "refused")
	var error := _response(link.sent[0]).error
	check.equal(error.code, V1.ErrorCode.ERROR_CODE_CAPABILITY_REQUIRED, "the code")
	check.truth(error.message.contains("multi_agent"), error.message)
	check.truth(link.closed, "the connection is closed")
	var accepted := FakeLink.new()
	accepted.incoming.append(_hello(["multi_agent"]))
	var served := EnvSession.new(accepted, MultiAgent.new())
	check.truth(served.poll(), "a multi-agent agent side is served")
	var hello := _response(accepted.sent[0]).hello
	check.truth("multi_agent" in hello.capabilities, "the env lists the capability")
	check.equal(hello.protocol_version.minor, 1, "protocol 1.1")
	check.equal(hello.env_spec.agents.size(), 5, "the agents travel in the spec")
