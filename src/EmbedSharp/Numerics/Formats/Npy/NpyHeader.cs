using System.Globalization;
using System.Text;

namespace EmbedSharp.Numerics.Formats.Npy;

/// <summary>
/// The parsed .npy header: element type, byte order, memory order and shape. Parses the Python dict literal NumPy writes,
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>, with a small literal parser (strings,
/// booleans, integers with an optional Python 2 <c>L</c> suffix, tuples, lists, dicts) and formats it the way
/// <c>np.save</c> does.
/// </summary>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The shape (empty for a 0-d array).</param>
/// <param name="BigEndian">The descriptor starts with '&gt;': every element's bytes are reversed on reading.</param>
/// <param name="FortranOrder">The data is column-major (first index varies fastest); readers transpose it to C order.</param>
internal sealed record NpyHeader(NpyDType DType, long[] Shape, bool BigEndian = false, bool FortranOrder = false)
{
    /// <summary>The element count, checked against overflow when the header was parsed.</summary>
    public long ElementCount => FloatTensor.Product(Shape);

    internal static ElementKind KindOf(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 => ElementKind.Float32,
        NpyDType.Float64 => ElementKind.Float64,
        NpyDType.Int32 => ElementKind.Int32,
        NpyDType.Int64 => ElementKind.Int64,
        NpyDType.Float16 => ElementKind.Float16,
        NpyDType.Int8 => ElementKind.Int8,
        NpyDType.UInt8 => ElementKind.UInt8,
        NpyDType.Int16 => ElementKind.Int16,
        NpyDType.UInt16 => ElementKind.UInt16,
        NpyDType.UInt32 => ElementKind.UInt32,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The element kind of the data.</summary>
    public ElementKind Kind => KindOf(DType);

    /// <summary>The numpy type code and size of <paramref name="dtype"/>, without the byte-order character: "f4".</summary>
    internal static string CodeOf(NpyDType dtype) => dtype switch
    {
        NpyDType.Float16 => "f2",
        NpyDType.Float32 => "f4",
        NpyDType.Float64 => "f8",
        NpyDType.Int8 => "i1",
        NpyDType.UInt8 => "u1",
        NpyDType.Int16 => "i2",
        NpyDType.UInt16 => "u2",
        NpyDType.Int32 => "i4",
        NpyDType.UInt32 => "u4",
        NpyDType.Int64 => "i8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The descriptor numpy writes for little-endian data of <paramref name="dtype"/> ('|' for one-byte types).</summary>
    internal static string DescrOf(NpyDType dtype) =>
        (ElementCodec.SizeOf(KindOf(dtype)) == 1 ? NpyConstants.NotApplicable : NpyConstants.LittleEndian) + CodeOf(dtype);

    /// <summary>
    /// Builds the complete header (magic, version, length, dict, padding, newline) exactly as NumPy 1.24's
    /// <c>_write_array_header</c> does: sorted keys, <c>repr</c> values, 21 − len(str(shape[0])) growth spaces,
    /// then spaces so the data starts at a multiple of 64 (a full 64 when already aligned) and a final '\n'.
    /// Version 1.0 unless the header is longer than a u16 can describe, then 2.0.
    /// </summary>
    public static byte[] Format(NpyDType dtype, ReadOnlySpan<long> shape)
    {
        var dict = new StringBuilder();
        dict.Append("{'").Append(NpyConstants.DescrKey).Append("': '").Append(DescrOf(dtype)).Append("', ");
        dict.Append('\'').Append(NpyConstants.FortranOrderKey).Append("': False, ");
        dict.Append('\'').Append(NpyConstants.ShapeKey).Append("': ").Append(PythonTupleRepr(shape)).Append(", }");
        if (shape.Length > 0)
        {
            var digits = shape[0].ToString(CultureInfo.InvariantCulture).Length;
            dict.Append(' ', Math.Max(0, NpyConstants.GrowthAxisMaxDigits - digits));
        }

        var text = Encoding.Latin1.GetBytes(dict.ToString());
        foreach (var version in (ReadOnlySpan<byte>)[NpyConstants.Version1, NpyConstants.Version2])
        {
            var lengthSize = version == NpyConstants.Version1 ? 2 : 4;
            var hlen = text.Length + 1; // + the final '\n'
            var pad = NpyConstants.ArrayAlign - ((NpyConstants.PrefixLength + lengthSize + hlen) % NpyConstants.ArrayAlign);
            var total = hlen + pad;
            if (version == NpyConstants.Version1 && total > ushort.MaxValue)
            {
                continue;
            }

            var result = new byte[NpyConstants.PrefixLength + lengthSize + total];
            NpyConstants.Magic.CopyTo(result);
            result[6] = version;
            result[7] = NpyConstants.MinorVersion;
            if (lengthSize == 2)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)total);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)total);
            }

            var body = result.AsSpan(NpyConstants.PrefixLength + lengthSize);
            text.CopyTo(body);
            body[text.Length..^1].Fill((byte)' ');
            body[^1] = (byte)'\n';
            return result;
        }

        throw new InvalidOperationException("Unreachable: a version 2.0 header length always fits in a u32.");
    }

    /// <summary>Python's <c>repr</c> of a tuple of ints: <c>()</c>, <c>(5,)</c>, <c>(3, 4)</c>.</summary>
    internal static string PythonTupleRepr(ReadOnlySpan<long> shape)
    {
        if (shape.Length == 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)");
        }

        var sb = new StringBuilder("(");
        for (var i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return sb.Append(')').ToString();
    }

    /// <summary>
    /// Parses and validates the header dict text. <paramref name="fail"/> builds the exception (it knows the file
    /// and offset). Refuses: anything but a dict with exactly the keys descr, fortran_order, shape; object, structured
    /// and any other unsupported descriptor; a shape that is not a tuple of non-negative ints;
    /// an element count or byte count beyond 2^63.
    /// </summary>
    public static NpyHeader Parse(string text, Func<string, TensorFormatException> fail)
    {
        object? value;
        try
        {
            var parser = new LiteralParser(text);
            value = parser.ParseValue();
            parser.ExpectEnd();
        }
        catch (FormatException e)
        {
            throw fail($"The header is not a valid Python dict literal: {e.Message} Header: {Quote(text)}");
        }

        if (value is not Dictionary<string, object?> dict)
        {
            throw fail($"The header is not a Python dict: {Quote(text)}");
        }

        if (dict.Count != 3 || !dict.ContainsKey(NpyConstants.DescrKey) || !dict.ContainsKey(NpyConstants.FortranOrderKey)
            || !dict.ContainsKey(NpyConstants.ShapeKey))
        {
            throw fail($"The header must have exactly the keys 'descr', 'fortran_order' and 'shape'; it has {string.Join(", ", dict.Keys.Order(StringComparer.Ordinal).Select(k => "'" + k + "'"))}.");
        }

        if (dict[NpyConstants.FortranOrderKey] is not bool fortran)
        {
            throw fail("The header's 'fortran_order' is not True or False.");
        }

        var (dtype, bigEndian) = ParseDescr(dict[NpyConstants.DescrKey], fail);

        if (dict[NpyConstants.ShapeKey] is not PythonTuple tuple)
        {
            throw fail("The header's 'shape' is not a tuple.");
        }

        var shape = new long[tuple.Items.Count];
        for (var i = 0; i < shape.Length; i++)
        {
            if (tuple.Items[i] is not long dim)
            {
                throw fail("The header's 'shape' holds something other than integers.");
            }

            if (dim < 0)
            {
                throw fail($"The header's 'shape' has a negative dimension {dim.ToString(CultureInfo.InvariantCulture)}.");
            }

            shape[i] = dim;
        }

        try
        {
            checked
            {
                _ = FloatTensor.Product(shape) * ElementCodec.SizeOf(KindOf(dtype));
            }
        }
        catch (OverflowException)
        {
            throw fail($"The shape {FloatTensor.FormatShape(shape)} describes more than 2^63 bytes.");
        }

        return new NpyHeader(dtype, shape, bigEndian, fortran);
    }

    /// <summary>The supported descriptors, for messages.</summary>
    private const string Supported = "f2, f4, f8, i1, u1, i2, u2, i4, u4, i8, each little- ('<') or big-endian ('>'; '|' for one byte)";

    private static (NpyDType DType, bool BigEndian) ParseDescr(object? descr, Func<string, TensorFormatException> fail)
    {
        if (descr is not string s)
        {
            throw fail("The array has a structured dtype (its 'descr' is not a string), which is not supported.");
        }

        if (s.Length > 1 && s[1] == 'O')
        {
            throw fail($"The array holds Python objects (dtype '{s}'), which cannot be read without unpickling.");
        }

        NpyDType? dtype = s.Length == 3 ? s[1..] switch
        {
            "f2" => NpyDType.Float16,
            "f4" => NpyDType.Float32,
            "f8" => NpyDType.Float64,
            "i1" => NpyDType.Int8,
            "u1" => NpyDType.UInt8,
            "i2" => NpyDType.Int16,
            "u2" => NpyDType.UInt16,
            "i4" => NpyDType.Int32,
            "u4" => NpyDType.UInt32,
            "i8" => NpyDType.Int64,
            _ => null,
        } : null;
        var order = s.Length > 0 ? s[0] : '\0';
        if (dtype is not { } d || order is not (NpyConstants.LittleEndian or NpyConstants.BigEndian or NpyConstants.NotApplicable))
        {
            throw fail($"The dtype '{s}' is not supported; supported: {Supported}.");
        }

        var oneByte = ElementCodec.SizeOf(KindOf(d)) == 1;
        if (order == NpyConstants.NotApplicable && !oneByte)
        {
            throw fail($"The dtype '{s}' has no byte order ('|') but its elements are longer than one byte.");
        }

        return (d, order == NpyConstants.BigEndian && !oneByte);
    }

    /// <summary>The header text for a message: at most 200 characters, trailing padding dropped (control characters
    /// are escaped by <see cref="TensorStreamReader.Error(string)"/>, so the message stays on one line).</summary>
    private static string Quote(string text)
    {
        var shown = text.TrimEnd();
        return shown.Length <= 200 ? $"\"{shown}\"" : $"\"{shown[..200]}…\"";
    }

    /// <summary>A Python tuple (kept apart from lists: the shape must be a tuple).</summary>
    private sealed record PythonTuple(List<object?> Items);

    /// <summary>Recursive-descent parser for the subset of Python literals found in .npy headers.</summary>
    private ref struct LiteralParser
    {
        private const int MaxDepth = 16;
        private readonly ReadOnlySpan<char> _text;
        private int _pos;
        private int _depth;

        public LiteralParser(string text)
        {
            _text = text;
        }

        public void ExpectEnd()
        {
            SkipSpace();
            if (_pos != _text.Length)
            {
                throw Error("unexpected text after the dict");
            }
        }

        public object? ParseValue()
        {
            SkipSpace();
            if (_pos >= _text.Length)
            {
                throw Error("unexpected end");
            }

            if (++_depth > MaxDepth)
            {
                throw Error("nested too deeply");
            }

            try
            {
                var c = _text[_pos];
                return c switch
                {
                    '{' => ParseDict(),
                    '(' => ParseSequence(')', isTuple: true),
                    '[' => ParseSequence(']', isTuple: false),
                    '\'' or '"' => ParseString(),
                    _ when c == '-' || char.IsAsciiDigit(c) => ParseInteger(),
                    _ => ParseName(),
                };
            }
            finally
            {
                _depth--;
            }
        }

        private Dictionary<string, object?> ParseDict()
        {
            _pos++; // '{'
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                SkipSpace();
                if (TryConsume('}'))
                {
                    return dict;
                }

                if (ParseValue() is not string key)
                {
                    throw Error("a dict key is not a string");
                }

                SkipSpace();
                Expect(':');
                var value = ParseValue();
                if (!dict.TryAdd(key, value))
                {
                    throw Error($"the key '{key}' appears twice");
                }

                SkipSpace();
                if (!TryConsume(','))
                {
                    SkipSpace();
                    Expect('}');
                    return dict;
                }
            }
        }

        private object ParseSequence(char close, bool isTuple)
        {
            _pos++; // '(' or '['
            var items = new List<object?>();
            var sawComma = false;
            while (true)
            {
                SkipSpace();
                if (TryConsume(close))
                {
                    break;
                }

                items.Add(ParseValue());
                SkipSpace();
                if (TryConsume(','))
                {
                    sawComma = true;
                    continue;
                }

                SkipSpace();
                Expect(close);
                break;
            }

            if (isTuple && items.Count == 1 && !sawComma)
            {
                return items[0]!; // "(5)" is just the integer 5 in Python, not a tuple.
            }

            return isTuple ? new PythonTuple(items) : items;
        }

        private string ParseString()
        {
            var quote = _text[_pos++];
            var sb = new StringBuilder();
            while (_pos < _text.Length && _text[_pos] != quote)
            {
                var c = _text[_pos++];
                if (c == '\\')
                {
                    if (_pos >= _text.Length)
                    {
                        break;
                    }

                    c = _text[_pos++];
                }

                sb.Append(c);
            }

            if (_pos >= _text.Length)
            {
                throw Error("a string is not closed");
            }

            _pos++; // closing quote
            return sb.ToString();
        }

        private long ParseInteger()
        {
            var start = _pos;
            if (_text[_pos] == '-')
            {
                _pos++;
            }

            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos]))
            {
                _pos++;
            }

            var digits = _text[start.._pos];
            if (_pos < _text.Length && (_text[_pos] == 'L' || _text[_pos] == 'l'))
            {
                _pos++; // Python 2 long suffix, as NumPy's _filter_header removes it.
            }

            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Error($"the integer {digits.ToString()} is out of range");
            }

            return value;
        }

        private object? ParseName()
        {
            var start = _pos;
            while (_pos < _text.Length && char.IsAsciiLetter(_text[_pos]))
            {
                _pos++;
            }

            return _text[start.._pos] switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                var other => throw Error(other.IsEmpty ? $"unexpected character '{_text[start]}'" : $"unknown name '{other.ToString()}'"),
            };
        }

        private void SkipSpace()
        {
            while (_pos < _text.Length && (_text[_pos] == ' ' || _text[_pos] == '\t' || _text[_pos] == '\n' || _text[_pos] == '\r'))
            {
                _pos++;
            }
        }

        private bool TryConsume(char c)
        {
            if (_pos < _text.Length && _text[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Error($"expected '{c}'");
            }
        }

        private readonly FormatException Error(string what) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{what} at character {_pos}."));
    }
}
