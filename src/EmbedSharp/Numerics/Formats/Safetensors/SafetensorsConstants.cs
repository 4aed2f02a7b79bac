namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Numbers and names that define the safetensors layout. Source of truth: huggingface/safetensors,
/// <c>safetensors/src/tensor.rs</c> (<c>MAX_HEADER_SIZE</c>, <c>prepare</c>, <c>Metadata::validate</c>, <c>Dtype</c>)
/// and the format description in that repository's README.
/// </summary>
internal static class SafetensorsConstants
{
    /// <summary>The file starts with the header length N as a little-endian u64.</summary>
    public const int HeaderLengthBytes = 8;

    /// <summary>Headers longer than this are refused, as the reference reader does (MAX_HEADER_SIZE = 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The reference writer pads the JSON header with spaces to a multiple of 8 bytes so that the data
    /// that follows is 8-byte aligned ("Force alignment to 8 bytes" in <c>prepare</c>).</summary>
    public const int HeaderAlignment = 8;

    /// <summary>Reserved top-level key holding a string-to-string map of free-form metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>FloatTensor entry key holding the dtype name, e.g. "F32".</summary>
    public const string DTypeKey = "dtype";

    /// <summary>FloatTensor entry key holding the shape as a JSON array of non-negative integers.</summary>
    public const string ShapeKey = "shape";

    /// <summary>FloatTensor entry key holding [begin, end), byte offsets relative to the first byte after the header.</summary>
    public const string DataOffsetsKey = "data_offsets";

    /// <summary>The dtype names of the reference <c>Dtype</c> enum, in its order (increasing alignment); the index is
    /// the <see cref="SafetensorsDType"/> value.</summary>
    public static readonly string[] DTypeNames =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    /// <summary>Bytes per element of each dtype, indexed like <see cref="DTypeNames"/>.</summary>
    public static readonly int[] DTypeSizes = [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8];
}
