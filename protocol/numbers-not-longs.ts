/**
 * Side-effect module, imported by codec.ts BEFORE the generated code: uint64 fields (seq, sizes, offsets) must
 * be plain numbers, and the generated classes read `$util.Long` when they are evaluated to pick their defaults.
 * Turning Long off after that left absent uint64 fields reading as Long objects (an absent offset 0 was an
 * object, not 0). Every value the protocol carries stays below 2^53.
 */
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();
