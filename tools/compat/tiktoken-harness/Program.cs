using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Tokenization.Tiktoken;

// Usage: TiktokenCompat TIKTOKEN_DIR TEXTS.json NPM_IDS.json
// TEXTS.json: {"sets": {"sample": [text, ...], "sotu": [...]}}; NPM_IDS.json: {"encoding": {"set": [[id, ...], ...]}}.
// Prints, per encoding and text set, how many texts each implementation encodes to npm tiktoken's ids, and whether
// EmbedSharp's decode gives the text back; then a one-thread throughput comparison with Microsoft.ML.Tokenizers.
var invariant = CultureInfo.InvariantCulture;
var directory = args[0];
using var textsJson = JsonDocument.Parse(File.ReadAllBytes(args[1]));
using var idsJson = JsonDocument.Parse(File.ReadAllBytes(args[2]));
var sets = textsJson.RootElement.GetProperty("sets").EnumerateObject()
    .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray());
Console.WriteLine("encoding     set      texts  EmbedSharp=npm  ML.Tokenizers=npm  EmbedSharp decode=text  tokens npm / EmbedSharp / ML");
foreach (var encoding in idsJson.RootElement.EnumerateObject())
{
    var name = encoding.Name;
    var ours = TiktokenTokenizer.Load(Path.Combine(directory, name + ".tiktoken"), TiktokenEncoding.FromName(name));
    Microsoft.ML.Tokenizers.TiktokenTokenizer? ml = name == "p50k_base" ? null : Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding(name);
    foreach (var set in encoding.Value.EnumerateObject())
    {
        var texts = sets[set.Name];
        var expected = set.Value.EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        int oursAgree = 0, mlAgree = 0, roundTrips = 0;
        long npmTokens = 0, ourTokens = 0, mlTokens = 0;
        var firstMismatch = new List<string>();
        for (var i = 0; i < texts.Length; i++)
        {
            var ids = ours.EncodeToIds(texts[i], SpecialTokenPolicy.All);
            npmTokens += expected[i].Length;
            ourTokens += ids.Length;
            oursAgree += ids.AsSpan().SequenceEqual(expected[i]) ? 1 : 0;
            roundTrips += ours.Decode(ids) == texts[i] ? 1 : 0;
            if (ml is not null)
            {
                var theirs = ml.EncodeToIds(texts[i]);
                mlTokens += theirs.Count;
                var same = theirs.SequenceEqual(expected[i]);
                mlAgree += same ? 1 : 0;
                if (!same && firstMismatch.Count < 3)
                {
                    var cut = texts[i].Length > 60 && char.IsHighSurrogate(texts[i][59]) ? 59 : 60;
                    firstMismatch.Add(JsonSerializer.Serialize(texts[i].Length > cut ? texts[i][..cut] + "…" : texts[i]));
                }
            }
        }

        var mlText = ml is null ? "n/a (no data package)" : $"{mlAgree}/{texts.Length}";
        Console.WriteLine(string.Create(invariant,
            $"{name,-12} {set.Name,-7} {texts.Length,6}  {oursAgree,6}/{texts.Length,-7} {mlText,-18} {roundTrips,6}/{texts.Length,-15} {npmTokens} / {ourTokens} / {(ml is null ? "n/a" : mlTokens.ToString(invariant))}"));
        if (firstMismatch.Count > 0)
        {
            Console.WriteLine($"    ML.Tokenizers differs from npm on e.g. {string.Join(", ", firstMismatch)}");
        }
    }

    if (ml is not null && sets.TryGetValue("sotu", out var sotu) && sotu.Length > 0)
    {
        // One thread, same process, same texts: warm up once, then the best of three passes each.
        double Best(Func<string, int> count)
        {
            var best = double.MaxValue;
            for (var pass = 0; pass < 4; pass++)
            {
                var watch = Stopwatch.StartNew();
                long n = 0;
                foreach (var text in sotu)
                {
                    n += count(text);
                }

                best = pass == 0 ? best : Math.Min(best, watch.Elapsed.TotalSeconds);
                GC.KeepAlive(n);
            }

            return best;
        }

        var chars = sotu.Sum(t => (long)t.Length);
        var oursSeconds = Best(t => ours.CountTokens(t));
        var mlSeconds = Best(t => ml.CountTokens(t));
        Console.WriteLine(string.Create(invariant,
            $"    throughput on SOTU ({chars / 1e6:F1} M chars, 1 thread): EmbedSharp {chars / oursSeconds / 1e6:F2} M chars/s, ML.Tokenizers {chars / mlSeconds / 1e6:F2} M chars/s ({mlSeconds / oursSeconds:F2}x)"));
    }
}
