using System.Globalization;
using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face's added tokens (<c>added_tokens</c>): matched in the text before the model sees it, leftmost-longest,
/// the non-normalized ones on the raw text and the normalized ones (by their normalized content) on each normalized
/// piece in between. <c>single_word</c> drops a match touching a word character; <c>lstrip</c>/<c>rstrip</c> extend it
/// over the whitespace before/after it. Ids: a token the model knows keeps the model's id, the others the file's
/// order from the model's size up (what <c>AddedVocabulary::add_tokens</c> assigns; the file's ids agree in real files).
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly List<Entry> entries = [];
    private readonly Dictionary<string, int> contentToId = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Entry> byId = [];
    private readonly HashSet<string> special = new(StringComparer.Ordinal);
    private readonly Trie raw = new();
    private readonly Trie normalizedTrie = new();

    /// <summary>One added token.</summary>
    internal sealed record Entry(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special)
    {
        /// <summary>The string decode uses: the normalized content for normalized tokens.</summary>
        public string DecodeString { get; set; } = Content;
    }

    public int Count => entries.Count;

    public int MaxId { get; private set; } = -1;

    public AddedVocabulary(JsonSource json, JsonElement root, Model model, Normalizer? normalizer)
    {
        if (!JsonSource.TryGet(root, "added_tokens", out var list))
        {
            return;
        }

        json.Array(list, "added_tokens");
        var nextId = model.Tokens.Length;
        var scratch = new EncodeScratch();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = JsonSource.At("added_tokens", i++);
            json.Object(item, at);
            var content = json.String(item, "content", at);
            var fileId = json.Int(item, "id", at, -1);
            var isSpecial = json.Bool(item, "special", at, false);
            var entry = new Entry(-1, content, json.Bool(item, "single_word", at, false), json.Bool(item, "lstrip", at, false),
                json.Bool(item, "rstrip", at, false), json.Bool(item, "normalized", at, !isSpecial), isSpecial);
            if (content.Length == 0)
            {
                continue;
            }

            int id;
            if (contentToId.TryGetValue(content, out var existing))
            {
                id = existing;
            }
            else if (model.Vocab.TryGetValue(content, out var modelId))
            {
                id = modelId;
            }
            else
            {
                id = nextId++;
            }

            _ = fileId;
            entry = entry with { Id = id };
            if (entry.Normalized && normalizer is not null)
            {
                scratch.Buffer.Clear();
                var piece = normalizer.Normalize(scratch.Buffer, scratch.Buffer.AppendSource(content), scratch);
                entry.DecodeString = scratch.Buffer.Text(piece).ToString();
            }

            contentToId[content] = id;
            if (byId.TryGetValue(id, out var replaced))
            {
                entries.Remove(replaced);
            }

            byId[id] = entry;
            entries.Add(entry);
            if (isSpecial)
            {
                special.Add(content);
            }

            MaxId = Math.Max(MaxId, id);
        }

        foreach (var entry in entries)
        {
            (entry.Normalized ? normalizedTrie : raw).Add(entry.Normalized ? entry.DecodeString : entry.Content, entry);
        }
    }

    /// <summary>The id of an added token, or −1.</summary>
    public int TokenToId(string token) => contentToId.TryGetValue(token, out var id) ? id : -1;

    /// <summary>The string decode uses for <paramref name="id"/>, or null when it is not an added token.</summary>
    public string? DecodeString(int id) => byId.TryGetValue(id, out var e) ? e.DecodeString : null;

    /// <summary>The content of an added token, or null.</summary>
    public string? Content(int id) => byId.TryGetValue(id, out var e) ? e.Content : null;

    /// <summary>Whether <paramref name="token"/> is the content of a special token.</summary>
    public bool IsSpecial(string token) => special.Contains(token);

    /// <summary>Splits <paramref name="piece"/> on the raw (<paramref name="normalized"/> false) or normalized added
    /// tokens; appends the non-empty parts to <paramref name="output"/>.</summary>
    public void Split(PieceBuffer buffer, Piece piece, bool normalized, List<Piece> output)
    {
        var trie = normalized ? normalizedTrie : raw;
        if (trie.IsEmpty)
        {
            if (piece.Length > 0)
            {
                output.Add(piece);
            }

            return;
        }

        var text = buffer.Text(piece);
        var startOffset = 0;
        for (var p = 0; p < text.Length;)
        {
            var (length, entry) = trie.LongestAt(text, p);
            if (entry is null)
            {
                p++;
                continue;
            }

            var start = p;
            var stop = p + length;
            p = stop;
            if (entry.SingleWord && ((start > 0 && IsWordChar(text, start, before: true)) || (stop < text.Length && IsWordChar(text, stop, before: false))))
            {
                continue;
            }

            if (entry.LStrip)
            {
                var s = start;
                while (s > 0 && char.IsWhiteSpace(text[s - 1]))
                {
                    s--;
                }

                start = Math.Max(s, startOffset);
            }

            if (entry.RStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                {
                    stop++;
                }

                p = stop;
            }

            if (startOffset < start)
            {
                output.Add(new Piece(piece.Start + startOffset, piece.Start + start));
            }

            output.Add(new Piece(piece.Start + start, piece.Start + stop, entry.Id));
            startOffset = stop;
        }

        if (startOffset < text.Length)
        {
            output.Add(new Piece(piece.Start + startOffset, piece.End));
        }
    }

    /// <summary>Rust regex <c>\w</c> at the character before (or at) <paramref name="index"/>.</summary>
    private static bool IsWordChar(ReadOnlySpan<char> text, int index, bool before)
    {
        int cp;
        if (before)
        {
            cp = char.IsLowSurrogate(text[index - 1]) && index >= 2 && char.IsHighSurrogate(text[index - 2])
                ? char.ConvertToUtf32(text[index - 2], text[index - 1]) : text[index - 1];
        }
        else
        {
            cp = char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1])
                ? char.ConvertToUtf32(text[index], text[index + 1]) : text[index];
        }

        return cp is 0x200C or 0x200D || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter
            or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber or UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark or UnicodeCategory.DecimalDigitNumber
            or UnicodeCategory.ConnectorPunctuation;
    }

    /// <summary>A character trie of added tokens: transitions keyed by (node, char).</summary>
    private sealed class Trie
    {
        private readonly Dictionary<long, int> next = [];
        private readonly List<Entry?> terminal = [null];

        public bool IsEmpty => terminal.Count == 1;

        public void Add(string key, Entry entry)
        {
            if (key.Length == 0)
            {
                return;
            }

            var node = 0;
            foreach (var c in key)
            {
                var k = ((long)node << 16) | c;
                if (!next.TryGetValue(k, out var child))
                {
                    child = terminal.Count;
                    terminal.Add(null);
                    next[k] = child;
                }

                node = child;
            }

            terminal[node] ??= entry;
        }

        /// <summary>The longest key starting at <paramref name="start"/> (length 0 and null when none).</summary>
        public (int Length, Entry? Entry) LongestAt(ReadOnlySpan<char> text, int start)
        {
            var node = 0;
            var best = (0, (Entry?)null);
            for (var i = start; i < text.Length; i++)
            {
                if (!next.TryGetValue(((long)node << 16) | text[i], out node))
                {
                    break;
                }

                if (terminal[node] is { } e)
                {
                    best = (i + 1 - start, e);
                }
            }

            return best;
        }
    }
}
