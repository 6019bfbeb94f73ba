## Frames of a viewport as rlay tensors: uint8 [H, W, 3] for rgb_array renders
## and image observations. With the render loop off (a headless training page),
## the viewport is drawn on demand first.
##
## [codeblock]
## var frame := RlayCapture.rgb(get_viewport())   # a Value holding a tensor
## [/codeblock]
extends RefCounted

const Tensors = preload("res://addons/rlay/core/tensors.gd")
const Values = preload("res://addons/rlay/core/values.gd")
const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")


static func image(viewport: Viewport) -> Image:
	if not RenderingServer.render_loop_enabled:
		RenderingServer.force_draw(false)
	var picture := viewport.get_texture().get_image()
	if picture.get_format() != Image.FORMAT_RGB8:
		picture.convert(Image.FORMAT_RGB8)
	return picture


static func rgb(viewport: Viewport) -> V1.Value:
	var picture := image(viewport)
	return Values.tensor(
		Tensors.from_uint8(picture.get_data(), [picture.get_height(), picture.get_width(), 3])
	)
