// EmbedSharp's side of tools/compat/formats.py: reads and writes the files the Python side checks against numpy, torch,
// gensim and fasttext. Run through formats.py (dotnet run --file …); prints nothing but errors, writes JSON.
#:project ../../src/EmbedSharp/EmbedSharp.csproj
#:property TreatWarningsAsErrors=false
#:property GenerateDocumentationFile=false
#:property EnforceCodeStyleInBuild=false
#:property PublishAot=false

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbedSharp.FastText;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats.Npy;
using EmbedSharp.Numerics.Formats.Safetensors;

switch (args[0])
{
    case "npy":
    {
        // npy DIR OUT.json: every .npy in DIR as C-order float32 bits or int64 values.
        var result = new JsonObject();
        foreach (var path in Directory.GetFiles(args[1], "*.npy").Order(StringComparer.Ordinal))
        {
            var entry = new JsonObject();
            try
            {
                var a = NpyFile.Read(path);
                entry["dtype"] = a.DType.ToString();
                entry["shape"] = new JsonArray([.. a.Shape.ToArray().Select(d => (JsonNode)d)]);
                if (a.IsInteger)
                {
                    entry["ints"] = new JsonArray([.. a.ToIndexTensor().AsSpan().ToArray().Select(v => (JsonNode)v)]);
                }
                else
                {
                    var t = a.ToTensor();
                    entry["f32_bits"] = new JsonArray([.. t.ToArray().Select(v => (JsonNode)BitConverter.SingleToUInt32Bits(v))]);
                }
            }
            catch (Exception e)
            {
                entry["error"] = e.GetType().Name + ": " + e.Message;
            }

            result[Path.GetFileName(path)] = entry;
        }

        File.WriteAllText(args[2], result.ToJsonString());
        break;
    }

    case "write-half":
    {
        // write-half VALUES.json OUTDIR: the float32 bit patterns as <f2 .npy, and as F16 + BF16 + F32 safetensors.
        var bits = JsonNode.Parse(File.ReadAllText(args[1]))!.AsArray().Select(n => (uint)n!).ToArray();
        var t = FloatTensor.FromArray([.. bits.Select(BitConverter.UInt32BitsToSingle)], bits.Length);
        NpyFile.Write(Path.Combine(args[2], "f2.npy"), t, NpyDType.Float16);
        var tensors = new Dictionary<string, FloatTensor> { ["f16"] = t, ["bf16"] = t, ["f32"] = t };
        SafetensorsFile.Write(Path.Combine(args[2], "half.safetensors"), tensors, null, new SafetensorsWriteOptions
        {
            TensorDTypes = new Dictionary<string, SafetensorsDType> { ["f16"] = SafetensorsDType.Float16, ["bf16"] = SafetensorsDType.BFloat16 },
        });
        break;
    }

    case "fasttext":
    {
        // fasttext MODEL WORDS SENTENCES OUT.json: version, word vectors, sentence vectors, softmax predictions.
        var model = FastTextModel.Load(args[1]);
        var o = new JsonObject { ["version"] = model.FileVersion, ["maxn"] = model.Args.Maxn };
        var v = new float[model.Dimension];
        var words = new JsonObject();
        foreach (var w in File.ReadAllLines(args[2]).Where(l => l.Length > 0))
        {
            model.GetWordVector(w, v);
            words[w] = new JsonArray([.. v.Select(x => (JsonNode)x)]);
        }

        o["words"] = words;
        var sentences = new JsonArray();
        var predictions = new JsonArray();
        foreach (var line in File.ReadAllLines(args[3]).Where(l => l.Length > 0))
        {
            model.GetSentenceVector(line, v);
            sentences.Add(new JsonArray([.. v.Select(x => (JsonNode)x)]));
            if (model.LabelCount > 0)
            {
                var labels = model.Labels.ToArray();
                var logits = labels.Select((_, l) => { var r = model.Output.Row(l); var s = 0f; for (var d = 0; d < v.Length; d++) { s += r[d] * v[d]; } return (double)s; }).ToArray();
                var max = logits.Max();
                var sum = logits.Sum(x => Math.Exp(x - max));
                var p = new JsonObject();
                for (var l = 0; l < labels.Length; l++)
                {
                    p[labels[l]] = Math.Exp(logits[l] - max) / sum;
                }

                predictions.Add(p);
            }
        }

        o["sentences"] = sentences;
        o["predictions"] = predictions;
        File.WriteAllText(args[4], o.ToJsonString());
        break;
    }

    default:
        Console.Error.WriteLine("usage: formats_probe npy|write-half|fasttext …");
        return 1;
}

return 0;
