## The protobuf wire format for the generated codec (generated/rlay_v1.gd).
##
## Writer appends fields to a PackedByteArray, each nested message written
## once in place (its size is measured first, not copied out of a scratch
## buffer per nesting level); Reader walks one without
## copying, records the first malformation in [member Reader.error] and
## refuses nesting deeper than [constant MAX_DEPTH]. Integers travel as
## GDScript's 64-bit int: a uint64 above 2^63 reads back negative, with the
## same bits.
##
## [codeblock]
## var w := ProtoWire.Writer.new()
## w.write_varint_field(1, 150)
## var r := ProtoWire.Reader.new(w.buffer)
## assert(r.read_varint() == 8 and r.read_varint() == 150)
## [/codeblock]
extends RefCounted

const MAX_DEPTH := 100
const WIRE_VARINT := 0
const WIRE_FIXED64 := 1
const WIRE_LEN := 2
const WIRE_START_GROUP := 3
const WIRE_END_GROUP := 4
const WIRE_FIXED32 := 5
# After an arithmetic shift right by 7, the bits a logical shift would clear.
const _LOW_57 := 0x01FF_FFFF_FFFF_FFFF


class Writer:
	extends RefCounted
	var buffer := PackedByteArray()
	## A measuring writer only counts the bytes it would write (buffer stays empty).
	var measuring := false
	var count := 0
	# The sizes of nested messages measured so far (message -> bytes), shared by
	# the measuring writers of one encoding, so each message is measured once.
	var sizes := {}

	## The bytes of a varint.
	static func varint_size(value: int) -> int:
		if value < 0:
			return 10
		var size := 1
		while value > 0x7F:
			value >>= 7
			size += 1
		return size

	static func measurer(shared: Dictionary) -> Writer:
		var w := Writer.new()
		w.measuring = true
		w.sizes = shared
		return w

	func write_varint(value: int) -> void:
		if measuring:
			count += varint_size(value)
			return
		while value < 0 or value > 0x7F:
			buffer.append((value & 0x7F) | 0x80)
			value = (value >> 7) & _LOW_57
		buffer.append(value)

	func write_tag(number: int, wire_type: int) -> void:
		write_varint((number << 3) | wire_type)

	func write_varint_field(number: int, value: int) -> void:
		write_tag(number, WIRE_VARINT)
		write_varint(value)

	func write_double(value: float) -> void:
		if measuring:
			count += 8
			return
		var at := buffer.size()
		buffer.resize(at + 8)
		buffer.encode_double(at, value)

	func write_double_field(number: int, value: float) -> void:
		write_tag(number, WIRE_FIXED64)
		write_double(value)

	func write_bytes_field(number: int, value: PackedByteArray) -> void:
		write_tag(number, WIRE_LEN)
		write_varint(value.size())
		write_raw(value)

	## Bytes as they are (the body of a length-delimited field).
	func write_raw(value: PackedByteArray) -> void:
		if measuring:
			count += value.size()
		else:
			buffer.append_array(value)

	func write_string_field(number: int, value: String) -> void:
		write_bytes_field(number, value.to_utf8_buffer())


class Reader:
	extends RefCounted
	var data: PackedByteArray
	var pos := 0
	var end := 0
	var depth := 0
	## The first malformation found; empty while the input is well formed.
	var error := ""

	func _init(bytes: PackedByteArray) -> void:
		data = bytes
		end = bytes.size()

	func fail(reason: String) -> bool:
		if error.is_empty():
			error = "%s at byte %d" % [reason, pos]
		return false

	func ok() -> bool:
		return error.is_empty()

	func read_varint() -> int:
		var result := 0
		var shift := 0
		while pos < end:
			var byte := data[pos]
			pos += 1
			if shift < 64:
				result |= (byte & 0x7F) << shift
			if byte < 0x80:
				return result
			shift += 7
			if shift >= 70:
				fail("varint longer than 10 bytes")
				return 0
		fail("truncated varint")
		return 0

	func read_double() -> float:
		if end - pos < 8:
			fail("truncated fixed64")
			return 0.0
		var value := data.decode_double(pos)
		pos += 8
		return value

	## The end of a length-delimited payload that starts here, or -1.
	func read_length() -> int:
		var size := read_varint()
		if not ok():
			return -1
		if size < 0 or size > end - pos:
			fail("length %d runs past the end of the message" % size)
			return -1
		return pos + size

	func read_bytes() -> PackedByteArray:
		var stop := read_length()
		if stop < 0:
			return PackedByteArray()
		var value := data.slice(pos, stop)
		pos = stop
		return value

	func read_string() -> String:
		return read_bytes().get_string_from_utf8()

	## Read a length and bound every read by it; returns the previous bound (-1: failed).
	func push_limit() -> int:
		var stop := read_length()
		if stop < 0:
			return -1
		var saved := end
		end = stop
		return saved

	## Restore the bound push_limit() returned; the bounded part must be read whole.
	func pop_limit(saved: int) -> void:
		if saved < 0:
			return
		if ok() and pos != end:
			fail("a field runs past the end of its message")
		end = saved

	## Skip one field of an unknown number (or a known number with another wire type).
	func skip(tag: int) -> bool:
		match tag & 7:
			WIRE_VARINT:
				read_varint()
			WIRE_FIXED64:
				if end - pos < 8:
					return fail("truncated fixed64")
				pos += 8
			WIRE_LEN:
				var stop := read_length()
				if stop >= 0:
					pos = stop
			WIRE_FIXED32:
				if end - pos < 4:
					return fail("truncated fixed32")
				pos += 4
			_:
				return fail("unsupported wire type %d" % (tag & 7))
		return ok()


## Write message as field number (length-delimited); null writes an empty message.
static func write_message(w: Writer, number: int, message: Variant) -> void:
	w.write_tag(number, WIRE_LEN)
	if message == null:
		w.write_varint(0)
		return
	var size: int = w.sizes.get(message, -1)
	if size < 0:
		var measure := Writer.measurer(w.sizes)
		message.write_to(measure)
		size = measure.count
		w.sizes[message] = size
	w.write_varint(size)
	if w.measuring:
		w.count += size
	else:
		message.write_to(w)


## Read one length-delimited message into message; false (and r.error) when malformed.
static func read_message(r: Reader, message: Variant) -> bool:
	var saved := r.push_limit()
	if saved < 0:
		return false
	r.depth += 1
	if r.depth > MAX_DEPTH:
		r.fail("messages nested deeper than %d" % MAX_DEPTH)
	else:
		message.merge_from(r)
	r.depth -= 1
	r.pop_limit(saved)
	return r.ok()


## True for +0.0 only: proto3 omits it, but writes -0.0 (its bits are not zero).
static func is_default_double(value: float) -> bool:
	if value != 0.0:
		return false
	var bits := PackedByteArray()
	bits.resize(8)
	bits.encode_double(0, value)
	return bits.decode_s64(0) == 0


## uint32 fields keep their low 32 bits, as protobuf's parsers do.
static func to_uint32(value: int) -> int:
	return value & 0xFFFF_FFFF


## Enum fields are int32: the low 32 bits, sign-extended.
static func to_int32(value: int) -> int:
	value &= 0xFFFF_FFFF
	return value - 0x1_0000_0000 if value >= 0x8000_0000 else value
