namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Element types of the safetensors format, in the reference library's order. All are recognised when reading;
/// <see cref="Float32"/>, <see cref="Float64"/>, <see cref="Float16"/>, <see cref="BFloat16"/>, <see cref="Int32"/>
/// and <see cref="Int64"/> can be converted to tensors.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>"BOOL", one byte (not converted).</summary>
    Bool,

    /// <summary>"U8" (not converted).</summary>
    UInt8,

    /// <summary>"I8" (not converted).</summary>
    Int8,

    /// <summary>"F8_E5M2" (not converted).</summary>
    Float8E5M2,

    /// <summary>"F8_E4M3" (not converted).</summary>
    Float8E4M3,

    /// <summary>"I16" (not converted).</summary>
    Int16,

    /// <summary>"U16" (not converted).</summary>
    UInt16,

    /// <summary>"F16", IEEE half precision (torch.float16), converted exactly to float32.</summary>
    Float16,

    /// <summary>"BF16", bfloat16 (torch.bfloat16), the upper 16 bits of a float32, converted exactly.</summary>
    BFloat16,

    /// <summary>"I32", signed 32-bit integer.</summary>
    Int32,

    /// <summary>"U32" (not converted).</summary>
    UInt32,

    /// <summary>"F32", IEEE float32.</summary>
    Float32,

    /// <summary>"F64", IEEE float64, rounded to the nearest float32 when converted.</summary>
    Float64,

    /// <summary>"I64", signed 64-bit integer (torch.long).</summary>
    Int64,

    /// <summary>"U64" (not converted).</summary>
    UInt64,
}
