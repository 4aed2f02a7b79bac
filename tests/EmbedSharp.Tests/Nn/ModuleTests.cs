using EmbedSharp.Nn;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn;

public sealed class ModuleTests
{
    private sealed class Leaf : Module
    {
        public Leaf(long rows, long cols)
        {
            Weight = RegisterParameter("weight", new Parameter(new FloatTensor(rows, cols)));
            Table = RegisterBuffer("table", new FloatTensor(cols));
        }

        public Parameter Weight { get; }

        public FloatTensor Table { get; }
    }

    private sealed class Tree : Module
    {
        public Tree()
        {
            Bias = RegisterParameter("bias", new Parameter(new FloatTensor(2)));
            Encoder = RegisterModule("encoder", new Leaf(3, 2));
            Decoder = RegisterModule("decoder", new Leaf(2, 4));
        }

        public Parameter Bias { get; }

        public Leaf Encoder { get; }

        public Leaf Decoder { get; }
    }

    [Fact]
    public void Names_follow_pytorchs_dotted_convention()
    {
        var m = new Tree();
        Assert.Equal(["bias", "encoder.weight", "decoder.weight"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal(["bias", "encoder.weight", "decoder.weight", "encoder.table", "decoder.table"], m.StateDict().Keys);
        Assert.Throws<ArgumentException>(() => new BadNames());
    }

    private sealed class BadNames : Module
    {
        public BadNames() => RegisterParameter("a.b", new Parameter(new FloatTensor(1)));
    }

    [Fact]
    public void A_state_dict_round_trips_through_safetensors()
    {
        var a = new Tree();
        a.Encoder.Weight.Value.CopyFrom([1, 2, 3, 4, 5, 6]);
        a.Decoder.Table.CopyFrom([7, 8, 9, 10]);
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-module-{Guid.NewGuid():N}.safetensors");
        try
        {
            a.Save(path);
            var b = new Tree();
            b.Load(path);
            Assert.Equal(a.Encoder.Weight.Value.ToArray(), b.Encoder.Weight.Value.ToArray());
            Assert.Equal(a.Decoder.Table.ToArray(), b.Decoder.Table.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_failed_load_names_the_problem_and_changes_nothing()
    {
        var m = new Tree();
        m.Encoder.Weight.Value.Fill(1f);
        var state = new Dictionary<string, FloatTensor>(new Tree().StateDict()) { ["decoder.weight"] = new FloatTensor(4, 2) };
        foreach (var (_, t) in state)
        {
            t.Fill(5f);
        }

        var e = Assert.Throws<ArgumentException>(() => m.LoadStateDict(state));
        Assert.Contains("(4, 2)", e.Message, StringComparison.Ordinal);
        Assert.Contains("(2, 4)", e.Message, StringComparison.Ordinal);
        Assert.All(m.Encoder.Weight.Value.ToArray(), v => Assert.Equal(1f, v));

        state.Remove("bias");
        state["decoder.weight"] = new FloatTensor(2, 4);
        Assert.Contains("missing [bias]", Assert.Throws<ArgumentException>(() => m.LoadStateDict(state)).Message, StringComparison.Ordinal);
        m.LoadStateDict(state, strict: false);
        Assert.All(m.Encoder.Weight.Value.ToArray(), v => Assert.Equal(5f, v));
    }

    [Fact]
    public void Train_and_eval_reach_every_child_and_zero_grad_clears_every_parameter()
    {
        var m = new Tree();
        m.Eval();
        Assert.False(m.Encoder.Training);
        m.Train();
        Assert.True(m.Decoder.Training);
        m.Encoder.Weight.DenseGradForAccumulation();
        m.ZeroGrad();
        Assert.All(m.Parameters(), p => Assert.Null(p.Grad));
        m.ZeroGrad();
        var before = GC.GetAllocatedBytesForCurrentThread();
        m.ZeroGrad();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
