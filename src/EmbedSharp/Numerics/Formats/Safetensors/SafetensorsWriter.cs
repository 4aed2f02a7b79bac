using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Writes safetensors files the way the reference serializer (<c>prepare</c> in safetensors/src/tensor.rs) does:
/// compact JSON with <c>__metadata__</c> first, tensors sorted by dtype (descending in the reference <c>Dtype</c> order,
/// so F64 before F32 before BF16 before F16) then by name (byte order of their UTF-8, the Rust string order), fields in
/// the order dtype, shape, data_offsets, serde_json string escaping, spaces up to a multiple of 8, then the data in the
/// same order. Float32 tensors are stored as F32, F64, F16 or BF16 (<see cref="SafetensorsWriteOptions"/>).
/// Metadata keys are sorted too (the reference keeps them in a hash map, so its order is arbitrary).
/// </summary>
internal static class SafetensorsWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Write(Stream stream, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsWriteOptions? options = null)
    {
        options ??= SafetensorsWriteOptions.Default;
        var header = BuildHeader(tensors, metadata, options, out var order);
        Span<byte> length = stackalloc byte[SafetensorsConstants.HeaderLengthBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var name in order)
        {
            switch (options.DTypeOf(name))
            {
                case SafetensorsDType.Float16:
                    ElementCodec.WriteHalves(stream, tensors[name], HalfRounding.Rule.TorchHalf);
                    break;
                case SafetensorsDType.BFloat16:
                    ElementCodec.WriteHalves(stream, tensors[name], HalfRounding.Rule.TorchBFloat16);
                    break;
                case SafetensorsDType.Float64:
                    ElementCodec.WriteDoubles(stream, tensors[name]);
                    break;
                default:
                    ElementCodec.WriteFloats(stream, tensors[name]);
                    break;
            }
        }
    }

    /// <summary>The padded JSON header; <paramref name="order"/> receives the tensor names in data order.</summary>
    internal static byte[] BuildHeader(IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsWriteOptions options, out List<string> order)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(tensors);
        order = SortedByUtf8(tensors.Keys);
        var byDType = order.OrderByDescending(options.DTypeOf).ToList(); // stable: name order within one dtype
        order = byDType;
        var json = new StringBuilder("{");
        if (metadata is not null)
        {
            AppendString(json, SafetensorsConstants.MetadataKey).Append(":{");
            var first = true;
            foreach (var key in SortedByUtf8(metadata.Keys))
            {
                json.Append(first ? string.Empty : ",");
                first = false;
                AppendString(json, key).Append(':');
                AppendString(json, metadata[key] ?? throw new ArgumentException($"Metadata '{key}' has a null value.", nameof(metadata)));
            }

            json.Append('}');
        }

        long offset = 0;
        foreach (var name in order)
        {
            if (name == SafetensorsConstants.MetadataKey)
            {
                throw new ArgumentException($"'{SafetensorsConstants.MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            }

            var tensor = tensors[name] ?? throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            var dtype = options.DTypeOf(name);
            var end = checked(offset + (tensor.Length * SafetensorsConstants.DTypeSizes[(int)dtype]));
            json.Append(json.Length > 1 ? "," : string.Empty);
            AppendString(json, name).Append(":{");
            AppendString(json, SafetensorsConstants.DTypeKey).Append(':');
            AppendString(json, SafetensorsConstants.DTypeNames[(int)dtype]).Append(',');
            AppendString(json, SafetensorsConstants.ShapeKey).Append(":[");
            for (var d = 0; d < tensor.Rank; d++)
            {
                json.Append(d > 0 ? "," : string.Empty).Append(tensor.Shape[d].ToString(CultureInfo.InvariantCulture));
            }

            json.Append("],");
            AppendString(json, SafetensorsConstants.DataOffsetsKey).Append(':');
            json.Append(CultureInfo.InvariantCulture, $"[{offset},{end}]}}");
            offset = end;
        }

        json.Append('}');
        byte[] text;
        try
        {
            text = StrictUtf8.GetBytes(json.ToString());
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("A tensor name or metadata string is not valid Unicode (unpaired surrogate).", e);
        }

        var padded = (text.Length + SafetensorsConstants.HeaderAlignment - 1) / SafetensorsConstants.HeaderAlignment * SafetensorsConstants.HeaderAlignment;
        var header = new byte[padded];
        text.CopyTo(header, 0);
        header.AsSpan(text.Length).Fill((byte)' ');
        return header;
    }

    private static List<string> SortedByUtf8(IEnumerable<string> keys)
    {
        var list = keys.ToList();
        list.Sort(CompareUtf8);
        return list;
    }

    /// <summary>Orders strings by their UTF-8 bytes (= by code point), as Rust's <c>str</c> ordering does; this
    /// differs from UTF-16 ordinal order only when surrogate pairs meet characters U+E000..U+FFFF.</summary>
    private static int CompareUtf8(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA.CompareTo(hasB);
            }

            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>Appends a JSON string literal escaped as serde_json does: quote, backslash, \b \f \n \r \t, other
    /// control characters as \u00xx (lowercase hex); everything else verbatim.</summary>
    private static StringBuilder AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case < ' ':
                    json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    json.Append(c);
                    break;
            }
        }

        return json.Append('"');
    }
}
