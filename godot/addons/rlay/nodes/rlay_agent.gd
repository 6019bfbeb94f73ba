## One controlled agent: declares its spaces and gives observations, rewards and
## episode ends; takes actions. Without behaviour names each RlayAgent is one
## sub-environment (several agents make a gymnasium VectorEnv that resets each
## agent on the step after its episode ended). When agents set
## [member behavior_name] the scene is a multi-agent env (protocol 1.1, a
## PettingZoo ParallelEnv in Python): agents of one behaviour share its spaces,
## each decides every [member decision_interval] steps, and one that ended (or
## was not present) spawns again at a later step; see RlayEnvironment.
##
## Override the methods below; the defaults make a do-nothing agent.
## [codeblock]
## extends RlayAgent
## func get_action_space() -> V1.Space:
##     return Spaces.discrete(2)
## func set_action(action: V1.Value) -> void:
##     push = action.int_value
## [/codeblock]
class_name RlayAgent
extends Node

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")

## Multi-agent scenes: the agent's behaviour (group of agents sharing spaces and
## maybe a policy). Empty in single-agent and vector scenes.
@export var behavior_name := ""
## Multi-agent scenes: the agent's name, unique in the scene (empty: the node name).
@export var agent_name := ""
## Multi-agent scenes: steps between two decisions (1: every step); between
## decisions the agent keeps its last action.
@export var decision_interval := 1


func _enter_tree() -> void:
	add_to_group(&"rlay_agents")


func get_observation_space() -> V1.Space:
	return Spaces.box_uniform(V1.Dtype.DTYPE_FLOAT32, [1], 0.0, 0.0)


func get_action_space() -> V1.Space:
	return Spaces.discrete(1)


## The current observation, in element form (a tensor Value for a Box).
func get_observation() -> V1.Value:
	return Values.tensor(Tensors.from_float32(PackedFloat32Array([0.0]), [1]))


## The action for the next physics frames, in element form (checked against the space).
func set_action(_action: V1.Value) -> void:
	pass


## Reward since the last step.
func get_reward() -> float:
	return 0.0


func is_terminated() -> bool:
	return false


func is_truncated() -> bool:
	return false


func get_info() -> V1.Value:
	return Values.empty_map()


## Start a new episode; seed is an int, or null for "no seed".
func reset_agent(_seed: Variant) -> void:
	pass


## An action from the keyboard or a script when no trainer drives (element form).
func heuristic() -> V1.Value:
	return null


## True when observations need rendered frames (keeps the render loop on).
func needs_rendering() -> bool:
	return false


## Multi-agent scenes: whether the agent is in the game now. An absent agent is
## not spawned (it joins at the end of the first step it is present in); override
## to make agents join and leave (an agent leaves by ending its episode).
func is_present() -> bool:
	return is_inside_tree()
