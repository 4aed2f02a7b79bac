using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>
/// Reads safetensors files. Layout: N as a little-endian u64, N bytes of UTF-8 JSON (possibly space-padded), then the
/// data buffer; each tensor occupies [begin, end) of that buffer, little-endian, C order. Validation follows the
/// reference reader: the offsets must tile the buffer exactly (start at 0, no gaps, no overlaps, end at the end of
/// the file) and each tensor's byte count must equal its element count times its dtype size.
/// </summary>
internal static class SafetensorsReader
{
    public static SafetensorsContent Read(TensorStreamReader reader)
    {
        Span<byte> lengthBytes = stackalloc byte[SafetensorsConstants.HeaderLengthBytes];
        reader.ReadExactly(lengthBytes, "the header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > SafetensorsConstants.MaxHeaderBytes)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture,
                $"The header length {headerLength} is larger than the {SafetensorsConstants.MaxHeaderBytes} bytes the format allows; this is not a safetensors file or it is corrupt."), 0);
        }

        if (reader.Remaining is { } remaining && (long)headerLength > remaining)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture,
                $"The header length {headerLength} is larger than the rest of the file ({remaining} bytes)."), 0);
        }

        reader.EnsureAvailable((long)headerLength, "the header");
        var header = new byte[headerLength];
        reader.ReadExactly(header, "the header");
        var dataStart = reader.Offset;
        var (metadata, infos) = ParseHeader(header, message => reader.Error(message, SafetensorsConstants.HeaderLengthBytes));
        var dataLength = ValidateOffsets(infos, message => reader.Error(message, SafetensorsConstants.HeaderLengthBytes));
        if (reader.Remaining is { } left && left != dataLength)
        {
            throw reader.Error(string.Create(CultureInfo.InvariantCulture,
                $"The tensors cover {dataLength} data bytes but {left} follow the header: the file is {(left < dataLength ? "truncated" : "longer than its tensors")}."));
        }

        var entries = new List<SafetensorsContent.Entry>(infos.Count);
        foreach (var info in infos)
        {
            var kind = KindOf(info.DType);
            var fileOffset = dataStart + info.Begin;
            var count = info.Shape.Count == 0 ? 1 : FloatTensor.Product(info.Shape.ToArray());
            if (kind is not null)
            {
                reader.EnsureAvailable(info.End - info.Begin, $"tensor '{info.Name}'");
            }

            if (kind is null)
            {
                ElementCodec.Skip(reader, info.End - info.Begin);
                entries.Add(new SafetensorsContent.Entry(info, fileOffset, null, null));
            }
            else if (ElementCodec.IsInteger(kind.Value))
            {
                if (count > Array.MaxLength)
                {
                    throw reader.Error(string.Create(CultureInfo.InvariantCulture,
                        $"Integer tensor '{info.Name}' has {count} elements, more than one IndexTensor holds ({Array.MaxLength})."), fileOffset);
                }

                var values = new long[count];
                ElementCodec.ReadInt64s(reader, kind.Value, values);
                entries.Add(new SafetensorsContent.Entry(info, fileOffset, null, values));
            }
            else
            {
                var tensor = new FloatTensor(info.Shape.ToArray());
                ElementCodec.ReadFloats(reader, kind.Value, tensor);
                entries.Add(new SafetensorsContent.Entry(info, fileOffset, tensor, null));
            }
        }

        if (!reader.AtEnd())
        {
            throw reader.Error("The file has trailing bytes after the last tensor.");
        }

        return new SafetensorsContent(metadata, entries, reader.Path);
    }

    internal static ElementKind? KindOf(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Float32 => ElementKind.Float32,
        SafetensorsDType.Float64 => ElementKind.Float64,
        SafetensorsDType.Float16 => ElementKind.Float16,
        SafetensorsDType.BFloat16 => ElementKind.BFloat16,
        SafetensorsDType.Int32 => ElementKind.Int32,
        SafetensorsDType.Int64 => ElementKind.Int64,
        _ => null,
    };

    /// <summary>Parses the JSON header into the metadata map and the tensor entries sorted by data offset.</summary>
    private static (Dictionary<string, string> Metadata, List<SafetensorsTensorInfo> Infos) ParseHeader(
        byte[] header, Func<string, TensorFormatException> fail)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw fail("The header does not start with '{': this is not a safetensors file.");
        }

        // The format's header is UTF-8 JSON; say where it is not, rather than the JSON reader's transcoding message.
        var invalid = FirstInvalidUtf8(header);
        if (invalid >= 0)
        {
            throw fail(string.Create(CultureInfo.InvariantCulture,
                $"The header is not valid UTF-8: byte {invalid} of the header (file offset {SafetensorsConstants.HeaderLengthBytes + invalid}) starts no valid character."));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw fail($"The header is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw fail("The header is not a JSON object.");
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var infos = new List<SafetensorsTensorInfo>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw fail($"The name '{property.Name}' appears twice in the header.");
                }

                if (property.Name == SafetensorsConstants.MetadataKey)
                {
                    ParseMetadata(property.Value, metadata, fail);
                }
                else
                {
                    infos.Add(ParseTensor(property.Name, property.Value, fail));
                }
            }

            infos.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            return (metadata, infos);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, Func<string, TensorFormatException> fail)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw fail("'__metadata__' is not a JSON object.");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw fail($"'__metadata__' entry '{item.Name}' is not a string.");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw fail($"'__metadata__' has the key '{item.Name}' twice.");
            }
        }
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement value, Func<string, TensorFormatException> fail)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw fail($"Tensor '{name}' is not a JSON object.");
        }

        if (!value.TryGetProperty(SafetensorsConstants.DTypeKey, out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw fail($"Tensor '{name}' has no string field 'dtype'.");
        }

        var dtypeName = dtypeElement.GetString()!;
        var index = Array.IndexOf(SafetensorsConstants.DTypeNames, dtypeName);
        if (index < 0)
        {
            throw fail($"Tensor '{name}' has an unknown dtype '{dtypeName}'.");
        }

        if (!value.TryGetProperty(SafetensorsConstants.ShapeKey, out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw fail($"Tensor '{name}' has no array field 'shape'.");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var d = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            shape[d++] = NonNegativeInteger(dim, $"Tensor '{name}' has a shape entry that is not a non-negative integer.", fail);
        }

        if (!value.TryGetProperty(SafetensorsConstants.DataOffsetsKey, out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2)
        {
            throw fail($"Tensor '{name}' has no field 'data_offsets' holding [begin, end].");
        }

        var begin = NonNegativeInteger(offsets[0], $"Tensor '{name}' has a data offset that is not a non-negative integer.", fail);
        var end = NonNegativeInteger(offsets[1], $"Tensor '{name}' has a data offset that is not a non-negative integer.", fail);
        return new SafetensorsTensorInfo(name, (SafetensorsDType)index, shape, begin, end);
    }

    private static long NonNegativeInteger(JsonElement element, string message, Func<string, TensorFormatException> fail)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var value) || value < 0)
        {
            throw fail(message);
        }

        return value;
    }

    /// <summary>Checks that the entries (sorted by offset) tile [0, total) exactly and that each one's byte count is
    /// its element count times its dtype size; returns the total data length.</summary>
    private static long ValidateOffsets(List<SafetensorsTensorInfo> infos, Func<string, TensorFormatException> fail)
    {
        long position = 0;
        foreach (var info in infos)
        {
            if (info.Begin != position || info.End < info.Begin)
            {
                var problem = info.End < info.Begin ? "ends before it begins"
                    : info.Begin < position ? "overlaps the previous tensor"
                    : "leaves a gap after the previous tensor";
                throw fail(string.Create(CultureInfo.InvariantCulture,
                    $"Tensor '{info.Name}' has data_offsets [{info.Begin}, {info.End}] and {problem} (which ends at {position}); offsets must tile the data buffer."));
            }

            long bytes;
            try
            {
                bytes = checked(FloatTensor.Product(info.Shape.ToArray()) * SafetensorsConstants.DTypeSizes[(int)info.DType]);
            }
            catch (OverflowException)
            {
                throw fail($"Tensor '{info.Name}' has a shape {FloatTensor.FormatShape(info.Shape.ToArray())} whose byte count overflows.");
            }

            if (info.End - info.Begin != bytes)
            {
                throw fail(string.Create(CultureInfo.InvariantCulture,
                    $"Tensor '{info.Name}' spans {info.End - info.Begin} bytes but shape {FloatTensor.FormatShape(info.Shape.ToArray())} of {SafetensorsConstants.DTypeNames[(int)info.DType]} needs {bytes}."));
            }

            position = info.End;
        }

        return position;
    }

    /// <summary>Index of the first byte that does not start a valid UTF-8 sequence, or −1 when all of it is valid.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return -1;
        }

        var i = 0;
        while (i < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return -1;
    }
}
