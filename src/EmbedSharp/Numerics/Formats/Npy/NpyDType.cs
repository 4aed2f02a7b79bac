namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>Element types of .npy files this library reads (all little-endian).</summary>
public enum NpyDType
{
    /// <summary>IEEE float32, descriptor <c>&lt;f4</c> (numpy.float32, torch.float32).</summary>
    Float32,

    /// <summary>IEEE float64, descriptor <c>&lt;f8</c> (numpy.float64).</summary>
    Float64,

    /// <summary>Signed 32-bit integer, descriptor <c>&lt;i4</c> (numpy.int32).</summary>
    Int32,

    /// <summary>Signed 64-bit integer, descriptor <c>&lt;i8</c> (numpy.int64, torch.long).</summary>
    Int64,
}
