using System.Buffers.Binary;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// SentencePiece's compiled normalisation rules (<c>NormalizerSpec.precompiled_charsmap</c>): a little-endian uint32
/// byte size of a Darts-clone double array, the array (uint32 units), then a blob of NUL-terminated UTF-8 replacements.
/// A rule matches the longest UTF-8 key that prefixes the text; the key's leaf value is the replacement's offset in the
/// blob. The reachable array is checked when the map is opened, and lookups still bound every index.
/// </summary>
/// <remarks>
/// A Darts-clone unit packs: bit 8 "has a leaf child", bits 0–7 plus bit 31 the label, bits 10–30 the offset to the
/// children (shifted left by 8 more when bit 9 is set); a leaf unit's low 31 bits are its value.
/// </remarks>
internal sealed class PrecompiledCharsMap
{
    private const int MaxResults = 32;      // SentencePiece keeps the first 32 prefix matches and takes the longest
    private readonly uint[] units;
    private readonly byte[] replacements;

    private PrecompiledCharsMap(uint[] units, byte[] replacements)
    {
        this.units = units;
        this.replacements = replacements;
    }

    /// <summary>Opens and checks a compiled map; returns null for an empty map (identity normalisation).</summary>
    /// <exception cref="SentencePieceModelException">The blob is truncated or its double array is inconsistent.</exception>
    public static PrecompiledCharsMap? Open(ReadOnlySpan<byte> blob, string? filePath)
    {
        if (blob.IsEmpty)
        {
            return null;
        }

        if (blob.Length < 4)
        {
            throw new SentencePieceModelException($"The precompiled charsmap has {blob.Length} bytes, fewer than its 4-byte header", filePath, -1);
        }

        var trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize % 4 != 0 || trieSize > (uint)(blob.Length - 4) || trieSize == 0)
        {
            throw new SentencePieceModelException($"The precompiled charsmap declares a {trieSize}-byte double array, but holds {blob.Length - 4} bytes after its header", filePath, -1);
        }

        var units = new uint[trieSize / 4];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + (4 * i))..]);
        }

        var map = new PrecompiledCharsMap(units, blob[(4 + (int)trieSize)..].ToArray());
        map.Check(filePath);
        return map;
    }

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) != 0;

    private static uint LeafValue(uint unit) => unit & 0x7FFFFFFFu;

    private static uint Label(uint unit) => unit & 0x800000FFu;

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    /// <summary>Walks every reachable node once (Darts-clone shares common suffixes, so the array is a DAG; a node
    /// seen before is not walked again, which also stops at cycles of a corrupt array) and checks positions and values.</summary>
    private void Check(string? filePath)
    {
        var root = Offset(units[0]);
        if (root >= (uint)units.Length)
        {
            throw new SentencePieceModelException($"The precompiled charsmap's root points to unit {root} of {units.Length}", filePath, -1);
        }

        var seen = new bool[units.Length];
        var stack = new Stack<uint>();
        stack.Push(root);
        seen[root] = true;
        while (stack.Count > 0)
        {
            var position = stack.Pop();
            // Label 0 is skipped: it only ever reaches a leaf (bit 31 set, never a label) or an empty unit.
            for (uint c = 1; c < 256; c++)
            {
                var child = position ^ c;
                if (child >= (uint)units.Length || Label(units[child]) != c)
                {
                    continue;
                }

                var next = child ^ Offset(units[child]);
                if (next >= (uint)units.Length)
                {
                    throw new SentencePieceModelException($"The precompiled charsmap's double array points to unit {next} of {units.Length}", filePath, -1);
                }

                if (HasLeaf(units[child]))
                {
                    var value = LeafValue(units[next]);
                    if (value >= (uint)replacements.Length || replacements.AsSpan((int)value).IndexOf((byte)0) < 0)
                    {
                        throw new SentencePieceModelException($"The precompiled charsmap refers to replacement offset {value}, outside its {replacements.Length}-byte blob or unterminated", filePath, -1);
                    }
                }

                if (!seen[next])
                {
                    seen[next] = true;
                    stack.Push(next);
                }
            }
        }
    }

    /// <summary>Whether a rule key prefixes <paramref name="text"/>; if so, the replacement of the shortest one (what
    /// Hugging Face's <c>Precompiled::transform</c> takes, whatever the key's length).</summary>
    public bool FirstPrefix(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var units = this.units;
        var position = Offset(units[0]);
        for (var i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            position ^= c;
            if (position >= (uint)units.Length)
            {
                return false;
            }

            var unit = units[position];
            if (Label(unit) != c)
            {
                return false;
            }

            position ^= Offset(unit);
            if (position >= (uint)units.Length)
            {
                return false;
            }

            if (HasLeaf(unit))
            {
                var value = LeafValue(units[position]);
                var tail = value < (uint)replacements.Length ? replacements.AsSpan((int)value) : default;
                var end = tail.IndexOf((byte)0);
                if (end < 0)
                {
                    return false;
                }

                replacement = tail[..end];
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether some rule's key starts with the bytes of <paramref name="prefix"/> (when not, <see cref="Match"/>
    /// finds no key longer than the prefix in a text that starts with it).</summary>
    public bool HasKeyStartingWith(ReadOnlySpan<byte> prefix)
    {
        var units = this.units;
        var position = Offset(units[0]);
        foreach (var c in prefix)
        {
            position ^= c;
            if (position >= (uint)units.Length || Label(units[position]) != c)
            {
                return false;
            }

            position ^= Offset(units[position]);
            if (position >= (uint)units.Length)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The length of the longest rule key prefixing <paramref name="text"/> (0 if none) and its replacement.</summary>
    public int Match(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> replacement)
    {
        replacement = default;
        var units = this.units;
        var position = Offset(units[0]);
        var longest = 0;
        var value = 0u;
        var results = 0;
        for (var i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            position ^= c;
            if (position >= (uint)units.Length)
            {
                break;
            }

            var unit = units[position];
            if (Label(unit) != c)
            {
                break;
            }

            position ^= Offset(unit);
            if (position >= (uint)units.Length)
            {
                break;
            }

            if (HasLeaf(unit))
            {
                if (results++ < MaxResults)
                {
                    longest = i + 1;
                    value = LeafValue(units[position]);
                }
            }
        }

        if (longest > 0)
        {
            // Checked on open for every path without NUL bytes; a NUL in the text can wander into empty units
            // (as in SentencePiece), so the value is checked again here.
            var tail = value < (uint)replacements.Length ? replacements.AsSpan((int)value) : default;
            var end = tail.IndexOf((byte)0);
            if (end < 0)
            {
                return 0;
            }

            replacement = tail[..end];
        }

        return longest;
    }
}
