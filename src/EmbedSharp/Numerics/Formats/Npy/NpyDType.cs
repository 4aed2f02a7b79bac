namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// Element types of .npy files this library reads, whatever their byte order (numpy's <c>&lt;</c> little-endian,
/// <c>&gt;</c> big-endian, <c>|</c> for one-byte types). Floats convert to float32, integers to int64.
/// </summary>
public enum NpyDType
{
    /// <summary>IEEE float32, descriptor <c>&lt;f4</c> or <c>&gt;f4</c> (numpy.float32, torch.float32).</summary>
    Float32,

    /// <summary>IEEE float64, descriptor <c>&lt;f8</c> or <c>&gt;f8</c> (numpy.float64), rounded to nearest float32.</summary>
    Float64,

    /// <summary>Signed 32-bit integer, descriptor <c>&lt;i4</c> or <c>&gt;i4</c> (numpy.int32).</summary>
    Int32,

    /// <summary>Signed 64-bit integer, descriptor <c>&lt;i8</c> or <c>&gt;i8</c> (numpy.int64, torch.long).</summary>
    Int64,

    /// <summary>IEEE binary16, descriptor <c>&lt;f2</c> or <c>&gt;f2</c> (numpy.float16), converted exactly to float32
    /// (subnormals, ±∞ and NaN included).</summary>
    Float16,

    /// <summary>Signed 8-bit integer, descriptor <c>|i1</c> (numpy.int8).</summary>
    Int8,

    /// <summary>Unsigned 8-bit integer, descriptor <c>|u1</c> (numpy.uint8).</summary>
    UInt8,

    /// <summary>Signed 16-bit integer, descriptor <c>&lt;i2</c> or <c>&gt;i2</c> (numpy.int16).</summary>
    Int16,

    /// <summary>Unsigned 16-bit integer, descriptor <c>&lt;u2</c> or <c>&gt;u2</c> (numpy.uint16).</summary>
    UInt16,

    /// <summary>Unsigned 32-bit integer, descriptor <c>&lt;u4</c> or <c>&gt;u4</c> (numpy.uint32).</summary>
    UInt32,
}
