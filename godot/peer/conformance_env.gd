## What every conformance environment shares: its EnvSpec's common fields
## (ENVIRONMENTS.md section 1) and the key, step counter and digest of each
## sub-environment.
extends "res://addons/rlay/core/environment.gd"

const Draws = preload("res://peer/draws.gd")
const Spaces = preload("res://addons/rlay/core/spaces.gd")
const Tensors = preload("res://addons/rlay/core/tensors.gd")

var name := ""
var num_envs := 1
var keys := PackedInt64Array()
var steps := PackedInt64Array()
var accs := PackedInt64Array()


func _init(env_name: String, count: int = 1) -> void:
	name = env_name
	num_envs = count
	keys.resize(count)
	keys.fill(Draws.K0)
	steps.resize(count)
	accs.resize(count)
	accs.fill(Draws.ACC0)


func spec_for(
	observation: V1.Space, action: V1.Space, max_steps: int, autoreset: int = 0
) -> V1.EnvSpec:
	var spec := make_spec("conformance/" + name, observation, action, num_envs)
	if autoreset != 0:
		spec.autoreset_mode = autoreset
	spec.max_episode_steps = max_steps
	spec.metadata = metadata(name)
	return spec


## The metadata every conformance environment declares.
static func metadata(env_name: String) -> V1.Value:
	return Values.map(
		["suite", "env", "version"],
		[Values.string("rlay-conformance"), Values.string(env_name), Values.integer(1)]
	)


## A new episode of sub-environment i: the key moves on, t and the digest restart.
func restart(i: int, seed: Variant) -> void:
	keys[i] = Draws.next_key(keys[i], seed)
	steps[i] = 0
	accs[i] = Draws.ACC0


## Digest an action and advance t (section 1's order).
func advance(i: int, action_space: V1.Space, action: V1.Value) -> void:
	accs[i] = Draws.fold(accs[i], Draws.element_bytes(action_space, action))
	steps[i] += 1


func int64_obs(values: Array) -> V1.Value:
	return Values.tensor(Tensors.from_int64(PackedInt64Array(values), [values.size()]))
