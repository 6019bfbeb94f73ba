## Draws the cart and the pole of the parent CartPole, as Gymnasium's renderer
## does (600 x 400 pixels, 2.4 m to each side).
extends Node2D

const WIDTH := 600.0
const HEIGHT := 400.0
const SCALE := WIDTH / (2.4 * 2.0)
const CART := Vector2(50.0, 30.0)
const POLE := Vector2(10.0, SCALE * 1.0)
const TRACK_Y := 300.0


func _process(_delta: float) -> void:
	queue_redraw()


func _draw() -> void:
	var state: PackedFloat64Array = get_parent().state
	draw_rect(Rect2(0.0, 0.0, WIDTH, HEIGHT), Color.WHITE)
	draw_line(Vector2(0.0, TRACK_Y), Vector2(WIDTH, TRACK_Y), Color.BLACK)
	var cart_x := state[0] * SCALE + WIDTH / 2.0
	draw_rect(Rect2(cart_x - CART.x / 2.0, TRACK_Y - CART.y / 2.0, CART.x, CART.y), Color.BLACK)
	var tip := Vector2(sin(state[2]), -cos(state[2])) * POLE.y
	var base := Vector2(cart_x, TRACK_Y - CART.y / 4.0)
	draw_line(base, base + tip, Color(0.79, 0.6, 0.4), POLE.x)
	draw_circle(base, POLE.x / 2.0, Color(0.5, 0.5, 0.8))
