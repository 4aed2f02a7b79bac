using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace EmbedSharp.Tests.Fuzz;

/// <summary>
/// Turns a valid input into a hostile one. Every choice comes from the <see cref="Random"/> passed in (seeded by the
/// caller), so a case is replayed exactly from its seed; each mutation also returns a short description of what it did
/// ("truncate at 123 of 456"), printed with a failure.
/// </summary>
internal static class Mutator
{
    /// <summary>Size of the line with no end that <see cref="Endless"/> appends to a plain file: larger than any line
    /// or token bound a reader should accept, small enough to keep on disk for a moment.</summary>
    public const int EndlessBytes = 16 << 20;

    private static readonly string[] LyingNumbers =
    [
        "0", "-1", "1", "2", "-2147483648", "2147483647", "2147483648", "4294967295", "4294967296",
        "1000000000000", "9223372036854775807", "9223372036854775808", "18446744073709551616",
        "99999999999999999999999999", "-0", "00000000000000000000000003", "1e12", "0x10", "+5", "",
    ];

    private static readonly string[] NonFiniteNumbers =
    [
        "nan", "NaN", "-nan", "inf", "-inf", "Inf", "Infinity", "-Infinity", "1e39", "-1e39", "3.5e38", "1e-50",
        "1e999999", "0.", ".", "-", "1e", "1.2.3", "٣", "1,5",
    ];

    private static readonly long[] LyingIntegers =
    [
        0, -1, 1, 2, int.MaxValue, int.MinValue, uint.MaxValue, 1L << 31, 1L << 32, 1_000_000_000_000, long.MaxValue,
        long.MinValue, 0x7F7F7F7F, 255, 65535, 65536,
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF], [0xFE, 0xFF], [0x80], [0xC0, 0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xEF, 0xBB, 0xBF], [0x00],
    ];

    private static readonly byte[][] Tokens =
    [
        "\n"u8.ToArray(), "\r"u8.ToArray(), "\r\n"u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(), "\n\n"u8.ToArray(),
        " 1"u8.ToArray(), " -0.5"u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "\""u8.ToArray(), "["u8.ToArray(),
        ","u8.ToArray(), "\\"u8.ToArray(), "[UNK]"u8.ToArray(), "Ġ"u8.ToArray(), "é"u8.ToArray(), "😀"u8.ToArray(),
    ];

    /// <summary>The kinds of random mutation <see cref="Mutate"/> picks from (the fixed cases are
    /// <see cref="Empty"/>, <see cref="Endless"/> and the unmodified seed).</summary>
    public static readonly string[] Kinds =
    [
        "truncate", "bitflip", "insert", "delete", "lying-number", "nonfinite-number", "lying-binary-int", "duplicate",
        "invalid-utf8", "splice", "multi",
    ];

    /// <summary>A file with no bytes.</summary>
    public static byte[] Empty(out string description)
    {
        description = "empty file";
        return [];
    }

    /// <summary>The input's first line (or first 64 bytes) followed by <paramref name="size"/> bytes with no line
    /// break: a line, word or token that does not end.</summary>
    public static byte[] Endless(byte[] input, int size, Random rng, out string description)
    {
        var newline = Array.IndexOf(input, (byte)'\n');
        var keep = newline >= 0 && newline < 4096 ? newline + 1 : Math.Min(input.Length, 64);
        ReadOnlySpan<byte> unit = rng.Next(3) switch
        {
            0 => "a"u8,
            1 => "0.25 "u8,
            _ => "é"u8,
        };
        var result = new byte[keep + size];
        input.AsSpan(0, keep).CopyTo(result);
        var tail = result.AsSpan(keep);
        unit[..Math.Min(unit.Length, tail.Length)].CopyTo(tail);
        for (var filled = unit.Length; filled < tail.Length; filled *= 2)
        {
            tail[..Math.Min(filled, tail.Length - filled)].CopyTo(tail[filled..]);
        }

        description = string.Create(CultureInfo.InvariantCulture, $"endless line: first {keep} bytes + {size} bytes of '{Encoding.UTF8.GetString(unit)}' with no line break");
        return result;
    }

    /// <summary>Applies one random mutation (<see cref="Kinds"/>) to <paramref name="input"/>;
    /// <paramref name="donor"/> is another valid input, used by "splice".</summary>
    public static byte[] Mutate(byte[] input, byte[] donor, Random rng, out string description)
    {
        var kind = Kinds[rng.Next(Kinds.Length)];
        if (kind != "multi")
        {
            return Apply(kind, input, donor, rng, out description);
        }

        var steps = 2 + rng.Next(3);
        var parts = new List<string>(steps);
        var current = input;
        for (var s = 0; s < steps; s++)
        {
            var k = Kinds[rng.Next(Kinds.Length - 1)];
            current = Apply(k, current, donor, rng, out var d);
            parts.Add(d);
        }

        description = "multi: " + string.Join("; ", parts);
        return current;
    }

    /// <summary>Applies mutation <paramref name="kind"/>.</summary>
    public static byte[] Apply(string kind, byte[] input, byte[] donor, Random rng, out string description) => kind switch
    {
        "truncate" => Truncate(input, rng, out description),
        "bitflip" => BitFlip(input, rng, out description),
        "insert" => Insert(input, rng, out description),
        "delete" => Delete(input, rng, out description),
        "lying-number" => ReplaceNumber(input, rng, LyingNumbers, out description),
        "nonfinite-number" => ReplaceNumber(input, rng, NonFiniteNumbers, out description),
        "lying-binary-int" => LyingBinaryInt(input, rng, out description),
        "duplicate" => Duplicate(input, rng, out description),
        "invalid-utf8" => InsertInvalidUtf8(input, rng, out description),
        "splice" => Splice(input, donor, rng, out description),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mutation."),
    };

    /// <summary>An offset in [0, length], half of the time in the first 256 bytes (where headers live) and a tenth of
    /// the time in the last 16 (the middle of the last number).</summary>
    private static int Offset(int length, Random rng)
    {
        var r = rng.Next(10);
        return r switch
        {
            < 5 => rng.Next(Math.Min(length, 256) + 1),
            5 => Math.Max(0, length - rng.Next(Math.Min(length, 16) + 1)),
            _ => rng.Next(length + 1),
        };
    }

    private static byte[] Truncate(byte[] input, Random rng, out string description)
    {
        var at = input.Length == 0 ? 0 : Offset(input.Length - 1, rng);
        description = string.Create(CultureInfo.InvariantCulture, $"truncate at {at} of {input.Length}");
        return input[..at];
    }

    private static byte[] BitFlip(byte[] input, Random rng, out string description)
    {
        if (input.Length == 0)
        {
            description = "bitflip of nothing";
            return input;
        }

        var result = (byte[])input.Clone();
        var flips = 1 + rng.Next(4);
        var sb = new StringBuilder("bitflip at");
        for (var f = 0; f < flips; f++)
        {
            var at = Math.Min(Offset(result.Length, rng), result.Length - 1);
            var bit = rng.Next(8);
            result[at] ^= (byte)(1 << bit);
            sb.Append(CultureInfo.InvariantCulture, $" {at}.{bit}");
        }

        description = sb.ToString();
        return result;
    }

    private static byte[] Insert(byte[] input, Random rng, out string description)
    {
        var at = Offset(input.Length, rng);
        byte[] bytes;
        if (rng.Next(2) == 0)
        {
            bytes = Tokens[rng.Next(Tokens.Length)];
        }
        else
        {
            bytes = new byte[1 + rng.Next(16)];
            rng.NextBytes(bytes);
        }

        description = string.Create(CultureInfo.InvariantCulture, $"insert {Convert.ToHexString(bytes)} at {at}");
        return [.. input.AsSpan(0, at), .. bytes, .. input.AsSpan(at)];
    }

    private static byte[] Delete(byte[] input, Random rng, out string description)
    {
        var at = Offset(input.Length, rng);
        var count = Math.Min(input.Length - at, 1 + rng.Next(rng.Next(2) == 0 ? 4 : 64));
        description = string.Create(CultureInfo.InvariantCulture, $"delete {count} bytes at {at}");
        return [.. input.AsSpan(0, at), .. input.AsSpan(at + count)];
    }

    /// <summary>Replaces one run of ASCII digits (with a leading '-' and a fraction or exponent, if any) by a
    /// replacement; the run is picked among the first 64 numbers half of the time (header counts and shapes).</summary>
    private static byte[] ReplaceNumber(byte[] input, Random rng, string[] replacements, out string description)
    {
        var numbers = new List<(int Start, int Length)>();
        var i = 0;
        while (i < input.Length)
        {
            var rest = input.AsSpan(i);
            var d = rest.IndexOfAnyInRange((byte)'0', (byte)'9');
            if (d < 0)
            {
                break;
            }

            var start = i + d;
            if (start > 0 && input[start - 1] == '-')
            {
                start--;
            }

            var end = i + d;
            while (end < input.Length && (char.IsAsciiDigit((char)input[end]) || input[end] is (byte)'.' or (byte)'e' or (byte)'E'
                || (input[end] is (byte)'-' or (byte)'+' && input[end - 1] is (byte)'e' or (byte)'E')))
            {
                end++;
            }

            numbers.Add((start, end - start));
            i = end;
        }

        var replacement = Encoding.UTF8.GetBytes(replacements[rng.Next(replacements.Length)]);
        if (numbers.Count == 0)
        {
            var at = Offset(input.Length, rng);
            description = string.Create(CultureInfo.InvariantCulture, $"no number: insert '{Encoding.UTF8.GetString(replacement)}' at {at}");
            return [.. input.AsSpan(0, at), .. replacement, .. input.AsSpan(at)];
        }

        var pick = rng.Next(2) == 0 ? rng.Next(Math.Min(numbers.Count, 64)) : rng.Next(numbers.Count);
        var (s, n) = numbers[pick];
        description = string.Create(CultureInfo.InvariantCulture,
            $"number '{Encoding.ASCII.GetString(input, s, n)}' at {s} -> '{Encoding.UTF8.GetString(replacement)}'");
        return [.. input.AsSpan(0, s), .. replacement, .. input.AsSpan(s + n)];
    }

    /// <summary>Overwrites 4 or 8 bytes (little-endian) with a lying count, length or dimension; the offset is
    /// 4-aligned in the first 128 bytes most of the time, anywhere otherwise.</summary>
    private static byte[] LyingBinaryInt(byte[] input, Random rng, out string description)
    {
        var width = rng.Next(2) == 0 ? 4 : 8;
        if (input.Length < width)
        {
            description = "lying-binary-int: input too short, unchanged";
            return input;
        }

        var at = rng.Next(10) < 7
            ? Math.Min(rng.Next(Math.Min(input.Length, 128) / 4 + 1) * 4, input.Length - width)
            : rng.Next(input.Length - width + 1);
        var value = LyingIntegers[rng.Next(LyingIntegers.Length)];
        var result = (byte[])input.Clone();
        if (width == 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at), unchecked((int)value));
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(at), value);
        }

        description = string.Create(CultureInfo.InvariantCulture, $"int{width * 8} at {at} -> {(width == 4 ? unchecked((int)value) : value)}");
        return result;
    }

    private static byte[] Duplicate(byte[] input, Random rng, out string description)
    {
        if (input.Length == 0)
        {
            description = "duplicate of nothing";
            return input;
        }

        var start = rng.Next(input.Length);
        var length = 1 + rng.Next(Math.Min(input.Length - start, rng.Next(2) == 0 ? 64 : 4096));
        var at = Offset(input.Length, rng);
        var times = 1 + rng.Next(rng.Next(4) == 0 ? 64 : 3);
        var chunk = input.AsSpan(start, length);
        var result = new byte[input.Length + (length * times)];
        input.AsSpan(0, at).CopyTo(result);
        for (var t = 0; t < times; t++)
        {
            chunk.CopyTo(result.AsSpan(at + (t * length)));
        }

        input.AsSpan(at).CopyTo(result.AsSpan(at + (length * times)));
        description = string.Create(CultureInfo.InvariantCulture, $"duplicate [{start}, {start + length}) {times}x at {at}");
        return result;
    }

    private static byte[] InsertInvalidUtf8(byte[] input, Random rng, out string description)
    {
        var bytes = InvalidUtf8[rng.Next(InvalidUtf8.Length)];
        int at;
        if (rng.Next(2) == 0 && input.Length > 0)
        {
            // Right after a line break or space: the start of a word.
            var from = rng.Next(input.Length);
            var next = input.AsSpan(from).IndexOfAny((byte)'\n', (byte)' ');
            at = next < 0 ? from : from + next + 1;
        }
        else
        {
            at = Offset(input.Length, rng);
        }

        var replace = rng.Next(2) == 0 ? Math.Min(bytes.Length, input.Length - at) : 0;
        description = string.Create(CultureInfo.InvariantCulture, $"invalid UTF-8 {Convert.ToHexString(bytes)} at {at}{(replace > 0 ? " (overwrite)" : string.Empty)}");
        return [.. input.AsSpan(0, at), .. bytes, .. input.AsSpan(at + replace)];
    }

    private static byte[] Splice(byte[] input, byte[] donor, Random rng, out string description)
    {
        if (donor.Length == 0)
        {
            return Truncate(input, rng, out description);
        }

        var from = rng.Next(donor.Length);
        var length = 1 + rng.Next(Math.Min(donor.Length - from, 512));
        var at = Offset(input.Length, rng);
        var replace = Math.Min(input.Length - at, rng.Next(length + 1));
        description = string.Create(CultureInfo.InvariantCulture, $"splice donor [{from}, {from + length}) over [{at}, {at + replace})");
        return [.. input.AsSpan(0, at), .. donor.AsSpan(from, length), .. input.AsSpan(at + replace)];
    }
}
