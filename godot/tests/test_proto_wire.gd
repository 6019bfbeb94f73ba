## The wire runtime: varints, doubles, malformed input.
extends RefCounted

const ProtoWire = preload("res://addons/rlay/core/proto_wire.gd")


func _varint_bytes(value: int) -> PackedByteArray:
	var w := ProtoWire.Writer.new()
	w.write_varint(value)
	return w.buffer


func test_varints_match_protobuf(check: Variant) -> void:
	check.equal(_varint_bytes(0).hex_encode(), "00", "0")
	check.equal(_varint_bytes(150).hex_encode(), "9601", "150")
	check.equal(_varint_bytes(-1).hex_encode(), "ffffffffffffffffff01", "-1 is ten bytes")
	check.equal(
		_varint_bytes(0x7FFF_FFFF_FFFF_FFFF).hex_encode(), "ffffffffffffffff7f", "int64 max"
	)
	for value in [0, 1, 127, 128, 300, -2, 1 << 35, -(1 << 62), 0x7FFF_FFFF_FFFF_FFFF]:
		var r := ProtoWire.Reader.new(_varint_bytes(value))
		check.equal(r.read_varint(), value, "varint %d round trip" % value)
		check.truth(r.ok() and r.pos == r.end, "varint %d read whole" % value)


func test_uint64_max_travels_as_minus_one(check: Variant) -> void:
	var r := ProtoWire.Reader.new(PackedByteArray([255, 255, 255, 255, 255, 255, 255, 255, 255, 1]))
	check.equal(r.read_varint(), -1, "all ones")
	check.equal(ProtoWire.to_uint32(-1), 0xFFFF_FFFF, "uint32 keeps 32 bits")
	check.equal(ProtoWire.to_int32(0xFFFF_FFFF), -1, "int32 sign extends")


func test_malformed_input_is_named(check: Variant) -> void:
	var truncated := ProtoWire.Reader.new(PackedByteArray([0x96]))
	truncated.read_varint()
	check.truth(truncated.error.begins_with("truncated varint"), truncated.error)
	var long := PackedByteArray()
	long.resize(11)
	long.fill(0xFF)
	var too_long := ProtoWire.Reader.new(long)
	too_long.read_varint()
	check.truth(too_long.error.begins_with("varint longer"), too_long.error)
	var past := ProtoWire.Reader.new(PackedByteArray([0x05, 0x01]))
	past.read_bytes()
	check.truth(past.error.contains("runs past the end"), past.error)
	var group := ProtoWire.Reader.new(PackedByteArray([0x0B]))
	check.truth(not group.skip(group.read_varint()), "a group tag is refused")


func test_negative_zero_is_not_a_default(check: Variant) -> void:
	check.truth(ProtoWire.is_default_double(0.0), "+0.0 is the default")
	# Computed at run time: the parser folds the literals -0.0 and 1e-310 to 0.0.
	var zero := 0.0
	check.truth(not ProtoWire.is_default_double(-zero), "-0.0 is written")
	var tiny := 1e-300
	check.truth(not ProtoWire.is_default_double(tiny * 1e-10), "a denormal is written")


func test_measured_sizes_match_the_bytes(check: Variant) -> void:
	for value in [0, 1, 127, 128, 16383, 16384, 1 << 35, -1, 0x7FFF_FFFF_FFFF_FFFF]:
		check.equal(
			ProtoWire.Writer.varint_size(value), _varint_bytes(value).size(), "varint %d" % value
		)
	var measure := ProtoWire.Writer.measurer({})
	measure.write_varint_field(1, 300)
	measure.write_double_field(2, 0.5)
	measure.write_string_field(3, "é")
	var w := ProtoWire.Writer.new()
	w.write_varint_field(1, 300)
	w.write_double_field(2, 0.5)
	w.write_string_field(3, "é")
	check.equal(measure.count, w.buffer.size(), "a measuring writer counts what a writer writes")
	check.truth(measure.buffer.is_empty(), "and writes nothing")
