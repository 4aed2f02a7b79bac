namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// SentencePiece BPE segmentation: start from one symbol per character (a user-defined symbol is one frozen symbol),
/// then repeatedly merge the adjacent pair whose concatenation is a vocabulary piece with the highest score (the
/// leftmost on ties) until no pair is a piece. There is no merge list: the piece scores are the merge ranks. An
/// unused piece left at the end is split back into the two parts it was merged from.
/// </summary>
/// <remarks>
/// Speed: when no piece holds <c>▁</c> after its first character (true of models trained with
/// <c>split_by_whitespace</c>), no pair can merge across the start of a <c>▁</c>, so each <c>▁</c>-led word is merged on
/// its own (with <c>treat_whitespace_as_suffix</c>: no <c>▁</c> before a piece's last character, words end at a
/// <c>▁</c>); merges compare scores only (no sums), so the result is the same as merging the whole text at once.
/// </remarks>
internal sealed class BpeSegmenter
{
    private readonly ByteTrie trie;
    private readonly ByteTrie? userDefined;
    private readonly float[] scores;
    private readonly SentencePieceType[] types;
    private readonly int unkId;
    private readonly bool hasUnused;

    private static readonly byte[] SpaceSymbol = [0xE2, 0x96, 0x81];
    private readonly bool splitWords;
    private readonly bool suffix;

    public BpeSegmenter(ByteTrie trie, ByteTrie? userDefined, float[] scores, SentencePieceType[] types, int unkId, bool splitWords, bool suffix)
    {
        this.splitWords = splitWords;
        this.suffix = suffix;
        this.trie = trie;
        this.userDefined = userDefined;
        this.scores = scores;
        this.types = types;
        this.unkId = unkId;
        hasUnused = Array.IndexOf(types, SentencePieceType.Unused) >= 0;
    }

    /// <summary>Fills <c>scratch.Segments</c> with the segmentation of <paramref name="text"/>; with a
    /// <paramref name="generator"/>, each merge taken from the queue is skipped with probability
    /// <paramref name="dropout"/> (BPE-dropout as SentencePiece's <c>SampleEncode</c>: ≤ 0 never, ≥ 1 always). Merging
    /// word by word gives the same distribution: every merge attempt draws its own independent coin.</summary>
    public void Encode(ReadOnlySpan<byte> text, EncodeScratch scratch, float dropout = 0, Randomness.Generator? generator = null)
    {
        scratch.Segments.Clear();
        if (generator is null || dropout <= 0)
        {
            generator = null;
        }

        if (!splitWords)
        {
            EncodeWord(text, 0, scratch, dropout, generator);
            return;
        }

        var start = 0;
        while (start < text.Length)
        {
            int end;
            if (suffix)
            {
                var space = text[start..].IndexOf(SpaceSymbol);
                end = space < 0 ? text.Length : start + space + SpaceSymbol.Length;
            }
            else
            {
                var next = text[(start + 1)..].IndexOf(SpaceSymbol);
                end = next < 0 ? text.Length : start + 1 + next;
            }

            EncodeWord(text[start..end], start, scratch, dropout, generator);
            start = end;
        }
    }

    /// <summary>Whether no piece holds ▁ except as its first character (or, with <paramref name="suffix"/>, as its
    /// last), so words can be merged one at a time.</summary>
    public static bool CanSplitWords(IEnumerable<byte[]> pieces, bool suffix)
        => pieces.All(p =>
        {
            var at = p.AsSpan().IndexOf(SpaceSymbol);
            return at < 0 || (suffix ? at == p.Length - SpaceSymbol.Length : p.AsSpan(1).IndexOf(SpaceSymbol) < 0);
        });

    /// <summary>Appends the segments of <paramref name="text"/>, which starts at byte <paramref name="offset"/>.</summary>
    private void EncodeWord(ReadOnlySpan<byte> text, int offset, EncodeScratch scratch, float dropout, Randomness.Generator? generator)
    {
        if (text.IsEmpty)
        {
            return;
        }

        scratch.EnsureSymbols(text.Length);
        var start = scratch.SymbolStart;
        var length = scratch.SymbolLength;
        var prev = scratch.SymbolPrev;
        var next = scratch.SymbolNext;
        var frozen = scratch.SymbolFrozen;
        var count = 0;
        for (var pos = 0; pos < text.Length; count++)
        {
            var rest = text[pos..];
            var matched = userDefined?.LongestPrefix(rest, out _) ?? 0;
            var size = matched > 0 ? matched : Math.Min(rest.Length, SentencePieceNormalizer.LeadLength(rest[0]));
            start[count] = pos;
            length[count] = size;
            frozen[count] = matched > 0;
            prev[count] = count - 1;
            pos += size;
            next[count] = pos < text.Length ? count + 1 : -1;
        }

        var agenda = scratch.Agenda;
        agenda.Clear();
        scratch.UnusedSplits?.Clear();
        for (var i = 1; i < count; i++)
        {
            TryAddPair(text, scratch, i - 1, i);
        }

        while (agenda.TryDequeue(out var top, out _))
        {
            var (left, right, merged) = top;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != merged)
            {
                continue;   // stale: one side was merged away since this pair was queued
            }

            if (generator is not null && (dropout >= 1 || generator.NextDouble() < dropout))
            {
                continue;   // BPE-dropout: this merge is skipped and not queued again
            }

            length[left] += length[right];
            next[left] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = left;
            }

            length[right] = 0;
            TryAddPair(text, scratch, prev[left], left);
            TryAddPair(text, scratch, left, next[left]);
        }

        for (var i = 0; i != -1; i = next[i])
        {
            Resegment(text, offset, scratch, start[i], length[i]);
        }
    }

    private void TryAddPair(ReadOnlySpan<byte> text, EncodeScratch scratch, int left, int right)
    {
        if (left < 0 || right < 0 || scratch.SymbolFrozen[left] || scratch.SymbolFrozen[right])
        {
            return;
        }

        var size = scratch.SymbolLength[left] + scratch.SymbolLength[right];
        var id = trie.Find(text.Slice(scratch.SymbolStart[left], size));
        if (id < 0)
        {
            return;
        }

        scratch.Agenda.Enqueue((left, right, size), (scores[id], left));
        if (types[id] == SentencePieceType.Unused)
        {
            (scratch.UnusedSplits ??= [])[id] = scratch.SymbolLength[left];
        }
    }

    private void Resegment(ReadOnlySpan<byte> text, int offset, EncodeScratch scratch, int start, int length)
    {
        var id = trie.Find(text.Slice(start, length));
        if (id < 0)
        {
            scratch.Segments.Add(new Segment(offset + start, length, unkId));
            return;
        }

        if (!hasUnused || types[id] != SentencePieceType.Unused || scratch.UnusedSplits is null
            || !scratch.UnusedSplits.TryGetValue(id, out var leftLength))
        {
            scratch.Segments.Add(new Segment(offset + start, length, id));
            return;
        }

        Resegment(text, offset, scratch, start, leftLength);
        Resegment(text, offset, scratch, start + leftLength, length - leftLength);
    }
}
