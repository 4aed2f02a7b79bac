namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// How <see cref="SafetensorsFile"/> stores float32 tensors: as <see cref="SafetensorsDType.Float32"/> (default, exact),
/// <see cref="SafetensorsDType.Float64"/> (exact widening), <see cref="SafetensorsDType.Float16"/> (torch.float16) or
/// <see cref="SafetensorsDType.BFloat16"/> (torch.bfloat16), for the whole file or per tensor.
/// </summary>
/// <remarks>
/// Rounding, as PyTorch 1.13 on CPU writes <c>tensor.to(dtype)</c>: to nearest, ties to even; beyond the largest finite
/// value to ±∞ (F16: from ±65520 on; BF16: from 0x7F7F8000 on); F16 subnormals kept; NaN stays NaN: F16 writes the
/// sign and the quiet NaN 0x7E00, BF16 writes 0xFFFF for every NaN (ATen's vectorised conversion; both are NaN to every
/// reader). Reading such a file gives back exactly the rounded values.
/// </remarks>
public sealed record SafetensorsWriteOptions
{
    /// <summary>The dtype of every tensor not named in <see cref="TensorDTypes"/>. Default F32.</summary>
    public SafetensorsDType DType { get; init; } = SafetensorsDType.Float32;

    /// <summary>Per-tensor dtypes (tensor name → dtype), overriding <see cref="DType"/>; names not in the file are an error.</summary>
    public IReadOnlyDictionary<string, SafetensorsDType>? TensorDTypes { get; init; }

    /// <summary>The options used when none are given: every tensor as F32.</summary>
    public static SafetensorsWriteOptions Default { get; } = new();

    /// <summary>The dtype of tensor <paramref name="name"/>.</summary>
    internal SafetensorsDType DTypeOf(string name) =>
        TensorDTypes is not null && TensorDTypes.TryGetValue(name, out var d) ? d : DType;

    /// <summary>Refuses a dtype float32 tensors are not written as, and per-tensor entries naming no tensor.</summary>
    internal void Validate(IReadOnlyDictionary<string, FloatTensor> tensors)
    {
        Check(DType, nameof(DType));
        if (TensorDTypes is null)
        {
            return;
        }

        foreach (var (name, dtype) in TensorDTypes)
        {
            if (!tensors.ContainsKey(name))
            {
                throw new ArgumentException($"TensorDTypes names '{name}', which is not among the tensors to write.", nameof(tensors));
            }

            Check(dtype, $"TensorDTypes['{name}']");
        }
    }

    private static void Check(SafetensorsDType dtype, string what)
    {
        if (dtype is not (SafetensorsDType.Float32 or SafetensorsDType.Float16 or SafetensorsDType.BFloat16 or SafetensorsDType.Float64))
        {
            throw new ArgumentOutOfRangeException(what, dtype, "Float32 tensors are written as F32, F16, BF16 or F64.");
        }
    }
}
