namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// SentencePiece's normaliser over UTF-8: user-defined symbols are copied as they are, every other character is
/// replaced by its longest matching rule of the compiled map (or kept), an invalid byte becomes U+FFFD, leading,
/// trailing and repeated spaces are dropped (<c>remove_extra_whitespaces</c>), a space is put before the text
/// (<c>add_dummy_prefix</c>, after it with <c>treat_whitespace_as_suffix</c>) and spaces become <c>▁</c>
/// (<c>escape_whitespaces</c>). For each output byte it records the input byte it came from.
/// </summary>
internal sealed class SentencePieceNormalizer
{
    private static readonly byte[] SpaceSymbol = [0xE2, 0x96, 0x81];   // U+2581 ▁
    private static readonly byte[] ReplacementCharacter = [0xEF, 0xBF, 0xBD];   // U+FFFD
    private static readonly byte[] Space = [0x20];

    private readonly PrecompiledCharsMap? map;
    private readonly ByteTrie? userDefined;
    private readonly bool addDummyPrefix;
    private readonly bool removeExtraWhitespaces;
    private readonly bool escapeWhitespaces;
    private readonly bool treatWhitespaceAsSuffix;
    // Per ASCII byte: Always = no user-defined symbol or rule starts with it; BeforeAscii = none is the byte alone or
    // starts with it and another ASCII byte, so it passes through when an ASCII byte follows or the input ends (the
    // letters under an NFKC map, whose keys such as "a" + U+0301 continue with a non-ASCII byte); Never otherwise.
    private readonly PassThrough[] asciiPassThrough = new PassThrough[128];

    public SentencePieceNormalizer(SentencePieceNormalizerSpec spec, bool treatWhitespaceAsSuffix, ByteTrie? userDefined, string? filePath)
    {
        map = PrecompiledCharsMap.Open(spec.PrecompiledCharsMap.Span, filePath);
        this.userDefined = userDefined;
        addDummyPrefix = spec.AddDummyPrefix;
        removeExtraWhitespaces = spec.RemoveExtraWhitespaces;
        escapeWhitespaces = spec.EscapeWhitespaces;
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
        Span<byte> pair = stackalloc byte[2];
        for (var b = 0; b < asciiPassThrough.Length; b++)
        {
            pair[0] = (byte)b;
            var userNode = userDefined?.Step(ByteTrie.Root, (byte)b) ?? -1;
            if (userNode < 0 && (map is null || !map.HasKeyStartingWith(pair[..1])))
            {
                asciiPassThrough[b] = PassThrough.Always;
                continue;
            }

            var beforeAscii = (userNode < 0 || userDefined!.Value(userNode) < 0) && (map is null || map.Match(pair[..1], out _) == 0);
            for (var c = 0; c < 0x80 && beforeAscii; c++)
            {
                pair[1] = (byte)c;
                beforeAscii = (userNode < 0 || userDefined!.Step(userNode, (byte)c) < 0) && (map is null || !map.HasKeyStartingWith(pair));
            }

            asciiPassThrough[b] = beforeAscii ? PassThrough.BeforeAscii : PassThrough.Never;
        }
    }

    private enum PassThrough : byte
    {
        Never,
        Always,
        BeforeAscii,
    }

    /// <summary>The length of the UTF-8 character at the start of <paramref name="text"/> when it is well formed
    /// (no overlong forms, surrogates or code points above U+10FFFF), else 0.</summary>
    public static int ValidCharLength(ReadOnlySpan<byte> text)
    {
        int b0 = text[0];
        if (b0 < 0x80)
        {
            return 1;
        }

        if ((b0 & 0xE0) == 0xC0 && text.Length >= 2 && IsTrail(text[1]))
        {
            var cp = ((b0 & 0x1F) << 6) | (text[1] & 0x3F);
            return cp >= 0x80 ? 2 : 0;
        }

        if ((b0 & 0xF0) == 0xE0 && text.Length >= 3 && IsTrail(text[1]) && IsTrail(text[2]))
        {
            var cp = ((b0 & 0x0F) << 12) | ((text[1] & 0x3F) << 6) | (text[2] & 0x3F);
            return cp >= 0x800 && (cp < 0xD800 || cp >= 0xE000) ? 3 : 0;
        }

        if ((b0 & 0xF8) == 0xF0 && text.Length >= 4 && IsTrail(text[1]) && IsTrail(text[2]) && IsTrail(text[3]))
        {
            var cp = ((b0 & 0x07) << 18) | ((text[1] & 0x3F) << 12) | ((text[2] & 0x3F) << 6) | (text[3] & 0x3F);
            return cp is >= 0x10000 and <= 0x10FFFF ? 4 : 0;
        }

        return 0;
    }

    /// <summary>The byte length of a UTF-8 character judged by its lead byte alone (SentencePiece's OneCharLen).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // once per character in the Viterbi loop
    public static int LeadLength(byte lead) => (lead >> 4) switch
    {
        < 12 => 1,
        12 or 13 => 2,
        14 => 3,
        _ => 4,
    };

    private static bool IsTrail(byte b) => (b & 0xC0) == 0x80;

    /// <summary>Normalises one character (or user-defined symbol, or rule key) at the start of <paramref name="input"/>:
    /// returns its replacement and sets <paramref name="consumed"/> to the input bytes it covers.</summary>
    private ReadOnlySpan<byte> NormalizePrefix(ReadOnlySpan<byte> input, out int consumed)
    {
        if (userDefined is not null)
        {
            var length = userDefined.LongestPrefix(input, out _);
            if (length > 0)
            {
                consumed = length;
                return input[..length];
            }
        }

        if (map is not null)
        {
            var length = map.Match(input, out var replacement);
            if (length > 0)
            {
                consumed = length;
                return replacement;
            }
        }

        var valid = ValidCharLength(input);
        if (valid == 0)
        {
            consumed = 1;
            return ReplacementCharacter;
        }

        consumed = valid;
        return input[..valid];
    }

    /// <summary>Normalises <paramref name="input"/> into <paramref name="scratch"/>: <c>Normalized[0..return)</c> and
    /// <c>NormToOrig[0..return]</c> (the input byte offset of each output byte, plus one entry for the end).</summary>
    public int Normalize(ReadOnlySpan<byte> input, EncodeScratch scratch)
    {
        var consumed = 0;
        if (input.IsEmpty)
        {
            scratch.EnsureNormalized(1);
            scratch.NormToOrig[0] = 0;
            return 0;
        }

        if (removeExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                var piece = NormalizePrefix(input, out var length);
                if (piece.Length != 1 || piece[0] != (byte)' ')
                {
                    break;
                }

                input = input[length..];
                consumed += length;
            }

            if (input.IsEmpty)
            {
                scratch.EnsureNormalized(1);
                scratch.NormToOrig[0] = consumed;
                return 0;
            }
        }

        var n = 0;
        var space = escapeWhitespaces ? SpaceSymbol : Space;
        if (!treatWhitespaceAsSuffix && addDummyPrefix)
        {
            n = Append(scratch, n, space, consumed);
        }

        var isPrevSpace = removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            if (IsPassThrough(input, 0))
            {
                // A run of ASCII bytes that nothing rewrites (no rule or user-defined symbol matches there): each is its
                // own piece, and this does with them what the general path below does, without looking each up.
                var run = 1;
                while (run < input.Length && IsPassThrough(input, run))
                {
                    run++;
                }

                scratch.EnsureNormalized(n + (run * 3) + 1);
                var normalized = scratch.Normalized;
                var normToOrig = scratch.NormToOrig;
                for (var k = 0; k < run; k++)
                {
                    var b = input[k];
                    if (b != (byte)' ')
                    {
                        normalized[n] = b;
                        normToOrig[n++] = consumed + k;
                        isPrevSpace = false;
                    }
                    else if (!(isPrevSpace && removeExtraWhitespaces))
                    {
                        if (escapeWhitespaces)
                        {
                            normalized[n] = SpaceSymbol[0];
                            normalized[n + 1] = SpaceSymbol[1];
                            normalized[n + 2] = SpaceSymbol[2];
                            normToOrig[n] = normToOrig[n + 1] = normToOrig[n + 2] = consumed + k;
                            n += 3;
                        }
                        else
                        {
                            normalized[n] = b;
                            normToOrig[n++] = consumed + k;
                        }

                        isPrevSpace = removeExtraWhitespaces;
                    }
                }

                consumed += run;
                input = input[run..];
                continue;
            }

            var piece = NormalizePrefix(input, out var length);
            if (isPrevSpace && removeExtraWhitespaces)
            {
                while (!piece.IsEmpty && piece[0] == (byte)' ')
                {
                    piece = piece[1..];
                }
            }

            if (!piece.IsEmpty)
            {
                scratch.EnsureNormalized(n + (piece.Length * 3) + 1);
                foreach (var b in piece)
                {
                    if (escapeWhitespaces && b == (byte)' ')
                    {
                        n = Append(scratch, n, SpaceSymbol, consumed);
                    }
                    else
                    {
                        scratch.Normalized[n] = b;
                        scratch.NormToOrig[n++] = consumed;
                    }
                }

                isPrevSpace = piece[^1] == (byte)' ';
            }

            consumed += length;
            input = input[length..];
            if (!removeExtraWhitespaces)
            {
                isPrevSpace = false;
            }
        }

        if (removeExtraWhitespaces)
        {
            while (n >= space.Length && scratch.Normalized.AsSpan(n - space.Length, space.Length).SequenceEqual(space))
            {
                n -= space.Length;
                consumed = scratch.NormToOrig[n];
            }
        }

        if (treatWhitespaceAsSuffix && addDummyPrefix)
        {
            n = Append(scratch, n, space, consumed);
        }

        scratch.EnsureNormalized(n + 1);
        scratch.NormToOrig[n] = consumed;
        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool IsPassThrough(ReadOnlySpan<byte> input, int k)
    {
        var b = input[k];
        if (b >= 0x80)
        {
            return false;
        }

        var kind = asciiPassThrough[b];
        return kind == PassThrough.Always || (kind == PassThrough.BeforeAscii && (k + 1 == input.Length || input[k + 1] < 0x80));
    }

    private static int Append(EncodeScratch scratch, int n, ReadOnlySpan<byte> bytes, int origin)
    {
        scratch.EnsureNormalized(n + bytes.Length + 1);
        foreach (var b in bytes)
        {
            scratch.Normalized[n] = b;
            scratch.NormToOrig[n++] = origin;
        }

        return n;
    }
}
