## The conformance environments by name (conformance/ENVIRONMENTS.md).
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Episodes = preload("res://peer/env_episodes.gd")
const Infos = preload("res://peer/env_infos.gd")
const ControlEnv = preload("res://peer/env_control.gd")
const Large = preload("res://peer/env_large.gd")
const Batched = preload("res://peer/env_batched.gd")
const SpacesEnv = preload("res://peer/env_spaces.gd")
const Bench = preload("res://peer/env_bench.gd")
const MultiAgent = preload("res://peer/env_multi_agent.gd")

const NAMES := [
	"spaces",
	"episodes",
	"infos",
	"control",
	"large",
	"batched-next-step",
	"batched-same-step",
	"batched-disabled",
	"multi-agent",
]


## A fresh environment, or null for a name this peer does not host.
static func create(name: String) -> RefCounted:
	match name:
		"spaces":
			return SpacesEnv.new()
		"episodes":
			return Episodes.new()
		"infos":
			return Infos.new()
		"control":
			return ControlEnv.new()
		"large":
			return Large.new()
		"batched-next-step":
			return Batched.new(name, V1.AutoresetMode.AUTORESET_MODE_NEXT_STEP)
		"batched-same-step":
			return Batched.new(name, V1.AutoresetMode.AUTORESET_MODE_SAME_STEP)
		"batched-disabled":
			return Batched.new(name, V1.AutoresetMode.AUTORESET_MODE_DISABLED)
		"multi-agent":
			return MultiAgent.new()
		"bench-cartpole", "bench-image":  # the benchmark's echo env, not a conformance env
			return Bench.new(name)
	return null
