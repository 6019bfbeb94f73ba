## CartPole with Gymnasium CartPole-v1's constants and rules: a pole on a cart,
## pushed left (0) or right (1) with 10 N; +1 reward per step; the episode
## terminates when the pole leans past 12 degrees or the cart leaves +-2.4 m
## (the RlayEnvironment truncates at 500 steps, as CartPole-v1's TimeLimit).
## One physics frame is one step of tau = 0.02 s (Euler), so the project runs
## 50 physics ticks per second. Deterministic per seed: the start state is drawn
## from a RandomNumberGenerator seeded with the reset's seed.
extends RlayAgent

const GRAVITY := 9.8
const MASS_CART := 1.0
const MASS_POLE := 0.1
const TOTAL_MASS := MASS_CART + MASS_POLE
const HALF_LENGTH := 0.5
const POLE_MASS_LENGTH := MASS_POLE * HALF_LENGTH
const FORCE := 10.0
const TAU := 0.02
const THETA_LIMIT := 12.0 * 2.0 * PI / 360.0
const X_LIMIT := 2.4
const FLOAT32_MAX := 3.4028234663852886e38

## x, x_dot, theta, theta_dot (float64, as Gymnasium keeps them).
var state := PackedFloat64Array([0.0, 0.0, 0.0, 0.0])
var push := 1
var terminated := false
var _rng := RandomNumberGenerator.new()
var _reward := 0.0


func get_observation_space() -> V1.Space:
	var high := [X_LIMIT * 2.0, FLOAT32_MAX, THETA_LIMIT * 2.0, FLOAT32_MAX]
	var low := []
	for bound in high:
		low.append(-bound)
	return Spaces.box(V1.Dtype.DTYPE_FLOAT32, [4], low, high)


func get_action_space() -> V1.Space:
	return Spaces.discrete(2)


func get_observation() -> V1.Value:
	return Values.tensor(Tensors.from_float32(PackedFloat32Array(Array(state)), [4]))


func set_action(action: V1.Value) -> void:
	push = action.int_value


func get_reward() -> float:
	var reward := _reward
	_reward = 0.0
	return reward


func is_terminated() -> bool:
	return terminated


func reset_agent(seed: Variant) -> void:
	if seed != null:
		_rng.seed = seed
	for i in 4:
		state[i] = _rng.randf_range(-0.05, 0.05)
	terminated = false
	_reward = 0.0


## Without a trainer: arrow keys, else a simple balancing rule.
func heuristic() -> V1.Value:
	if Input.is_action_pressed(&"ui_left"):
		return Values.integer(0)
	if Input.is_action_pressed(&"ui_right"):
		return Values.integer(1)
	return Values.integer(1 if state[2] + 0.5 * state[3] > 0.0 else 0)


func _ready() -> void:
	reset_agent(null)


func _physics_process(_delta: float) -> void:
	if get_tree().paused:
		return
	if not _driven():
		push = heuristic().int_value
		if terminated:
			reset_agent(null)
	advance()


## One Euler step of tau seconds with the current push (CartPole-v1's equations).
func advance() -> void:
	var force := FORCE if push == 1 else -FORCE
	var x := state[0]
	var x_dot := state[1]
	var theta := state[2]
	var theta_dot := state[3]
	var cos_theta := cos(theta)
	var sin_theta := sin(theta)
	var temp := (force + POLE_MASS_LENGTH * theta_dot * theta_dot * sin_theta) / TOTAL_MASS
	var theta_acc := (
		(GRAVITY * sin_theta - cos_theta * temp)
		/ (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos_theta * cos_theta / TOTAL_MASS))
	)
	var x_acc := temp - POLE_MASS_LENGTH * theta_acc * cos_theta / TOTAL_MASS
	x = x + TAU * x_dot
	x_dot = x_dot + TAU * x_acc
	theta = theta + TAU * theta_dot
	theta_dot = theta_dot + TAU * theta_acc
	state = PackedFloat64Array([x, x_dot, theta, theta_dot])
	terminated = x < -X_LIMIT or x > X_LIMIT or theta < -THETA_LIMIT or theta > THETA_LIMIT
	_reward += 1.0


func _driven() -> bool:
	var environment := get_node_or_null(^"../RlayEnvironment")
	return environment != null and environment.session != null
