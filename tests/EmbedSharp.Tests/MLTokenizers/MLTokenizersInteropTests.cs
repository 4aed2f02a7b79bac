using System.Buffers;
using EmbedSharp.MLTokenizers;
using EmbedSharp.Tests.Tokenization.Tiktoken;
using EmbedSharp.Tokenization;
using EmbedSharp.Tokenization.WordPiece;
using ML = Microsoft.ML.Tokenizers;

namespace EmbedSharp.Tests.MLTokenizers;

/// <summary>
/// Both adapters on real tokenizers: EmbedSharp's tiktoken, WordPiece and SentencePiece as a Microsoft.ML.Tokenizers
/// <c>Tokenizer</c>, and Microsoft.ML.Tokenizers 3.0.0's TiktokenTokenizer (its data packages), BertTokenizer and
/// SentencePieceTokenizer as an EmbedSharp <see cref="ITokenizer"/> and <see cref="Vocabulary"/>.
/// </summary>
public sealed class MLTokenizersInteropTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "data", "tiktoken", "sample.txt"));

    private static string DataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static TheoryData<string> Encodings => new("r50k_base", "cl100k_base", "o200k_base");

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Our_tiktoken_as_their_tokenizer_gives_our_ids_offsets_counts_and_decodes(string name)
    {
        var ours = TiktokenData.Get(name);
        var theirs = ours.AsMLTokenizer();
        foreach (var line in Lines)
        {
            var expected = ours.Encode(line);
            Assert.Equal(expected.Ids, theirs.EncodeToIds(line));
            var tokens = theirs.EncodeToTokens(line, out var normalized);
            Assert.Null(normalized);
            Assert.Equal(expected.Ids, tokens.Select(t => t.Id));
            Assert.Equal(expected.Tokens, tokens.Select(t => t.Value));
            Assert.Equal(expected.Spans.Select(s => (s.Start, s.End)), tokens.Select(t => (t.Offset.Start.Value, t.Offset.End.Value)));
            Assert.Equal(expected.Count, theirs.CountTokens(line));
            Assert.Equal(line, theirs.Decode(expected.Ids));
        }
    }

    [Fact]
    public void A_token_budget_keeps_whole_characters_and_the_consumed_text_encodes_to_the_kept_ids()
    {
        var theirs = TiktokenData.Get("cl100k_base").AsMLTokenizer();
        foreach (var line in Lines.Where(l => l.Length > 0))
        {
            var all = theirs.EncodeToIds(line);
            foreach (var budget in new[] { 1, 3, all.Count / 2, all.Count - 1 }.Where(b => b > 0))
            {
                var kept = theirs.EncodeToIds(line, budget, out _, out var consumed);
                Assert.InRange(kept.Count, 0, budget);
                Assert.Equal(all.Take(kept.Count), kept);
                Assert.Equal(kept, theirs.EncodeToIds(line[..consumed]));
                Assert.Equal(consumed, theirs.GetIndexByTokenCount(line, budget, out _, out var count));
                Assert.Equal(kept.Count, count);
                var from = theirs.GetIndexByTokenCountFromEnd(line, budget, out _, out var tail);
                Assert.InRange(tail, 0, budget);
                Assert.Equal(all.Skip(all.Count - tail), theirs.EncodeToIds(line[from..]).TakeLast(tail));
            }
        }
    }

    [Fact]
    public void Decoding_into_a_short_buffer_writes_a_prefix_and_says_so()
    {
        var theirs = TiktokenData.Get("cl100k_base").AsMLTokenizer();
        const string text = "Hello, wonderful world of tokens!";
        var ids = theirs.EncodeToIds(text);
        var buffer = new char[12];
        Assert.Equal(OperationStatus.DestinationTooSmall, theirs.Decode(ids, buffer, out var used, out var written));
        Assert.InRange(written, 1, 12);
        Assert.Equal(text[..written], new string(buffer, 0, written));
        Assert.Equal(text[..written], theirs.Decode(ids.Take(used)));
        buffer = new char[text.Length];
        Assert.Equal(OperationStatus.Done, theirs.Decode(ids, buffer, out used, out written));
        Assert.Equal((ids.Count, text.Length), (used, written));
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Their_tiktoken_as_our_tokenizer_passes_their_ids_through_and_round_trips(string name)
    {
        var ours = TiktokenData.Get(name);
        var vocabulary = Enumerable.Range(0, ours.VocabSize).ToDictionary(ours.IdToToken, id => id);
        var theirs = ML.TiktokenTokenizer.CreateForEncoding(name);
        var adapted = theirs.AsEmbedSharpTokenizer(vocabulary);
        Assert.Equal(ours.VocabSize, adapted.VocabSize);
        var agree = 0;
        foreach (var line in Lines)
        {
            var encoding = adapted.Encode(line);
            Assert.Equal(theirs.EncodeToIds(line), encoding.Ids);
            Assert.Equal(line, adapted.Decode(encoding.Ids));
            agree += encoding.Ids.SequenceEqual(ours.EncodeToIds(line)) ? 1 : 0;
        }

        // Both read the same OpenAI file; they may split a few lines differently (the compat script reports which).
        Assert.True(agree >= Lines.Length * 3 / 4, $"{name}: only {agree} of {Lines.Length} lines agree");
        Assert.Equal(ours.Tokens(), adapted.ToVocabulary().Tokens);
    }

    [Fact]
    public void Our_wordpiece_and_their_bert_tokenizer_give_the_same_ids_both_ways()
    {
        var vocab = DataPath("wordpiece_bpe", "wordpiece", "vocab.txt");
        var ours = WordPieceTokenizer.Load(vocab);
        var bert = ML.BertTokenizer.Create(vocab);
        var vocabulary = ours.Tokens().Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i);
        var theirsAsOurs = bert.AsEmbedSharpTokenizer(vocabulary);
        var oursAsTheirs = ours.AsMLTokenizer();
        foreach (var line in new[] { "Hello, world!", "The state of the union is strong.", "Paris is the capital of France.", "unaffable" })
        {
            var expected = ours.Encode(line).Ids;
            Assert.Equal(expected, oursAsTheirs.EncodeToIds(line));
            var theirs = bert.EncodeToIds(line, addSpecialTokens: false);
            Assert.Equal(theirs, theirsAsOurs.Encode(line).Ids.Where(id => id != bert.ClassificationTokenId && id != bert.SeparatorTokenId));
            Assert.Equal(expected, theirs);
        }
    }

    [Fact]
    public void Their_sentencepiece_vocabulary_becomes_our_vocabulary_with_the_same_ids()
    {
        var model = DataPath("sentencepiece", "unigram.model");
        var ours = EmbedSharp.Tokenization.SentencePiece.SentencePieceTokenizer.Load(model);
        using var stream = File.OpenRead(model);
        var theirs = ML.SentencePieceTokenizer.Create(stream, false, false);
        var vocabulary = theirs.ToVocabulary();
        Assert.Equal(ours.VocabSize, vocabulary.Count);
        Assert.Equal(ours.Tokens(), vocabulary.Tokens);
        var adapted = theirs.AsEmbedSharpTokenizer();
        foreach (var line in new[] { "The state of the union is strong.", "We hold these truths to be self-evident." })
        {
            Assert.Equal(ours.Encode(line).Ids, adapted.Encode(line).Ids);
            Assert.Equal(ours.Decode(ours.Encode(line).Ids), adapted.Decode(adapted.Encode(line).Ids));
        }
    }

    [Fact]
    public void A_type_without_a_vocabulary_needs_one()
    {
        var error = Assert.Throws<ArgumentException>(() => ML.TiktokenTokenizer.CreateForEncoding("cl100k_base").AsEmbedSharpTokenizer());
        Assert.Contains("exposes no vocabulary", error.Message, StringComparison.Ordinal);
    }
}
