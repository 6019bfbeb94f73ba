## The glue's multi-agent life cycle (nodes/agent_roster.gd) on scripted agents:
## decision intervals, an agent that ends and respawns, one that joins late.
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const AgentRoster = preload("res://addons/rlay/nodes/agent_roster.gd")
const AgentSession = preload("res://addons/rlay/core/agent_session.gd")
const MultiAgentEnv = preload("res://addons/rlay/core/multi_agent_environment.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Values = preload("res://addons/rlay/core/values.gd")


## An agent that counts its ticks, ends after `life` ticks and earns 1 per tick.
class Scripted:
	extends RlayAgent
	var life := 0
	var present := true
	var age := 0
	var resets := 0
	var last_action := -1

	func get_action_space() -> V1.Space:
		return Spaces.discrete(3)

	func get_observation() -> V1.Value:
		return Values.integer(age)

	func get_observation_space() -> V1.Space:
		return Spaces.discrete(100)

	func set_action(action: V1.Value) -> void:
		last_action = action.int_value

	func get_reward() -> float:
		age += 1  # the roster reads the reward once per tick: count the tick here
		return 1.0

	func is_terminated() -> bool:
		return life > 0 and age >= life

	func reset_agent(_seed: Variant) -> void:
		age = 0
		resets += 1

	func is_present() -> bool:
		return present


static func _agent(name: String, behavior: String, life: int, interval: int) -> Scripted:
	var agent := Scripted.new()
	agent.agent_name = name
	agent.behavior_name = behavior
	agent.life = life
	agent.decision_interval = interval
	return agent


static func _by_name(reports: MultiAgentEnv.AgentReports, agents: Array[RlayAgent]) -> Dictionary:
	var found := {}
	for report in reports.all:
		found[AgentRoster.name_of(agents[report.agent])] = report
	return found


static func _actions(roster: AgentRoster, count: int) -> Array[MultiAgentEnv.AgentAction]:
	var actions: Array[MultiAgentEnv.AgentAction] = []
	for i in count:
		if roster.is_live(i):
			actions.append(MultiAgentEnv.AgentAction.new(i, Values.integer(1)))
	return actions


func test_agents_decide_end_respawn_and_join(check: Variant) -> void:
	var walker := _agent("walker", "walk", 2, 1)
	var thinker := _agent("thinker", "think", 0, 2)
	var late := _agent("late", "walk", 0, 1)
	late.present = false
	var agents: Array[RlayAgent] = [walker, thinker, late]
	var roster := AgentRoster.new(agents, 0)
	var spec := roster.make_spec("test")
	check.equal(AgentSession.new(spec).spec_problem, "", "the spec keeps the protocol's rules")
	check.equal(spec.behaviors.size(), 2, "two behaviours")
	check.equal(spec.agents[2].behavior, "walk", "late walks")
	check.equal(roster.check_spaces(), "", "agents of a behaviour agree")
	var reports := MultiAgentEnv.AgentReports.new()
	roster.reset(5, reports)
	check.equal(reports.all.size(), 2, "the present agents are live after reset")
	check.truth(not roster.is_alive(2), "an absent agent is not spawned")
	# Step 1: both act; late joins at the end of the step; thinker pauses.
	late.present = true
	reports.clear()
	roster.start_step(_actions(roster, 3))
	check.equal(walker.last_action, 1, "the action reached the agent")
	check.truth(roster.end_tick(reports), "someone is live: the step is answered")
	var got := _by_name(reports, agents)
	check.truth(got["walker"].live, "walker decides again")
	check.truth(not got["thinker"].live, "thinker acted and pauses (interval 2)")
	check.equal(got["thinker"].reward, 1.0, "thinker's reward")
	check.truth(got["late"].live and got["late"].reward == 0.0, "late joined, reward 0")
	# Step 2: walker ends (life 2) and is reported once, not live; thinker decides again.
	reports.clear()
	roster.start_step(_actions(roster, 3))
	check.truth(roster.end_tick(reports), "step 2 answered")
	got = _by_name(reports, agents)
	check.truth(got["walker"].terminated and not got["walker"].live, "walker ended")
	check.equal(got["walker"].reward, 1.0, "walker's last reward")
	check.truth(got["thinker"].live, "thinker live at an even tick")
	check.equal(walker.resets, 1, "an agent does not respawn in the step it ended")
	# Step 3: walker respawns.
	reports.clear()
	roster.start_step(_actions(roster, 3))
	roster.end_tick(reports)
	got = _by_name(reports, agents)
	check.truth(got["walker"].live and not got["walker"].terminated, "walker respawned")
	check.equal(walker.resets, 2, "a new episode")
	for agent in agents:
		agent.free()


func test_a_step_runs_on_until_someone_decides(check: Variant) -> void:
	var slow := _agent("slow", "think", 0, 3)
	var agents: Array[RlayAgent] = [slow]
	var roster := AgentRoster.new(agents, 0)
	var reports := MultiAgentEnv.AgentReports.new()
	roster.reset(null, reports)
	reports.clear()
	roster.start_step(_actions(roster, 1))
	check.truth(not roster.end_tick(reports), "tick 1: nobody decides, the step goes on")
	check.truth(not roster.end_tick(reports), "tick 2: still nobody")
	check.truth(roster.end_tick(reports), "tick 3: slow decides")
	check.equal(reports.all.size(), 1, "one report")
	check.equal(reports.all[0].reward, 3.0, "the rewards of the three ticks")
	check.truth(reports.all[0].live, "live")
	var limited := AgentRoster.new(agents, 2)
	reports.clear()
	limited.reset(null, reports)
	reports.clear()
	limited.start_step(_actions(limited, 1))
	limited.end_tick(reports)
	check.truth(limited.end_tick(reports), "no agent alive after the limit: episode over")
	check.truth(reports.all[0].truncated, "truncated at max_episode_steps")
	slow.free()
