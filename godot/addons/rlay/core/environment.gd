## The env side of rlay: what a game (or the conformance peer) implements.
##
## The session calls [method open] once after the handshake, then [method reset],
## [method step], [method render] and [method call_env] as the agent asks, and
## [method close] at the end. A method that cannot do what was asked calls
## [method fail] with an ErrorCode (ERROR_CODE_ENV by default): the agent gets
## that error and the session goes on.
##
## [codeblock]
## extends "res://addons/rlay/core/environment.gd"
## func open(_render_mode: String) -> V1.EnvSpec:
##     return make_spec("my-game", Spaces.discrete(2), Spaces.discrete(3))
## [/codeblock]
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const Values = preload("res://addons/rlay/core/values.gd")

var error_code := 0
var error_message := ""
## Set by reset or step to answer later: the game runs frames first (lockstep with
## physics), then calls the session's complete(). No request is read meanwhile.
var deferred := false


## What reset gets: per sub-environment seeds (an int, or null for no seed; an
## empty array when none were sent), the options map (or null) and the mask (empty: all).
class ResetArgs:
	extends RefCounted
	var seeds: Array = []
	var options: V1.Value = null
	var mask: Array[bool] = []

	func includes(index: int) -> bool:
		return mask.is_empty() or mask[index]

	func seed_of(index: int) -> Variant:
		return null if seeds.is_empty() else seeds[index]


## What reset fills: an element-form observation and an info per sub-environment.
class ResetResult:
	extends RefCounted
	var observations: Array = []
	var infos: Array = []

	func _init(num_envs: int) -> void:
		observations.resize(num_envs)
		infos.resize(num_envs)


## What step fills, per sub-environment; finals for AUTORESET_MODE_SAME_STEP.
class StepResult:
	extends RefCounted
	var observations: Array = []
	var rewards := PackedFloat64Array()
	var terminated: Array[bool] = []
	var truncated: Array[bool] = []
	var infos: Array = []
	var finals: Array[V1.FinalStep] = []

	func _init(num_envs: int) -> void:
		observations.resize(num_envs)
		rewards.resize(num_envs)
		terminated.resize(num_envs)
		truncated.resize(num_envs)
		infos.resize(num_envs)

	func add_final(index: int, observation: V1.Value, info: V1.Value) -> void:
		var final := V1.FinalStep.new()
		final.index = index
		final.observation = observation
		final.info = info if info != null else Values.empty_map()
		finals.append(final)


## Return the EnvSpec; render_mode is "" when the agent asked for none.
func open(_render_mode: String) -> V1.EnvSpec:
	fail("open is not implemented")
	return null


func reset(_args: ResetArgs, _result: ResetResult) -> void:
	fail("reset is not implemented")


## actions: one element-form Value per sub-environment, already checked against the space.
func step(_actions: Array, _result: StepResult) -> void:
	fail("step is not implemented")


## One frame per sub-environment (a uint8 [H, W, 3] tensor Value for rgb_array).
func render() -> Array:
	return []


## A named call; unknown names answer ERROR_CODE_UNIMPLEMENTED.
func call_env(name: String, _value: V1.Value) -> V1.Value:
	fail("unknown call %s" % name, V1.ErrorCode.ERROR_CODE_UNIMPLEMENTED)
	return null


func close() -> void:
	pass


func fail(message: String, code: int = V1.ErrorCode.ERROR_CODE_ENV) -> void:
	if error_code == 0:
		error_code = code
		error_message = message


## An EnvSpec with the common fields set; num_envs 1 means a plain gymnasium.Env.
static func make_spec(
	env_id: String,
	observation_space: V1.Space,
	action_space: V1.Space,
	num_envs: int = 1,
	autoreset_mode: int = V1.AutoresetMode.AUTORESET_MODE_DISABLED
) -> V1.EnvSpec:
	var spec := V1.EnvSpec.new()
	spec.env_id = env_id
	spec.observation_space = observation_space
	spec.action_space = action_space
	spec.num_envs = num_envs
	spec.autoreset_mode = autoreset_mode
	spec.metadata = Values.empty_map()
	return spec
