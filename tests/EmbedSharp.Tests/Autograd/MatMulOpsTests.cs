using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

public sealed class MatMulOpsTests
{
    public static TheoryData<long[], long[], bool, bool> Shapes() => new()
    {
        { [5], [5], false, false },
        { [4, 5], [5], false, false },
        { [5], [5, 3], false, false },
        { [2, 4, 5], [5], false, false },
        { [5], [2, 5, 3], false, false },
        { [1, 4, 5], [3, 5, 6], false, false },
        { [2, 1, 4, 5], [3, 5, 2], false, false },
        { [2, 5, 4], [2, 5, 3], true, false },
        { [2, 4, 5], [2, 3, 5], false, true },
        { [5, 4], [2, 3, 5], true, true },
        { [3, 4, 5], [5, 2], false, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradients_match_finite_differences(long[] shapeA, long[] shapeB, bool transposeA, bool transposeB)
    {
        var g = new Generator(21);
        var a = OpGradCheck.Random(g, shapeA);
        var b = OpGradCheck.Random(g, shapeB);
        OpGradCheck.Check(() => Ops.MatMul(a, b, transposeA, transposeB), a, b);
    }

    [Fact]
    public void Transpose_flags_equal_an_explicit_transpose_bit_for_bit()
    {
        var g = new Generator(4);
        var a = OpGradCheck.Random(g, 2, 3, 4);
        var b = OpGradCheck.Random(g, 2, 5, 4);
        var bt = new FloatTensor(2, 4, 5);
        for (var n = 0; n < 2; n++)
        {
            for (var i = 0; i < 5; i++)
            {
                for (var j = 0; j < 4; j++)
                {
                    bt[(n * 20) + (j * 5) + i] = b.Data[(n * 20) + (i * 4) + j];
                }
            }
        }

        Assert.Equal(Ops.Bmm(a, new Variable(bt)).Data.ToArray(), Ops.MatMul(a, b, false, true).Data.ToArray());
    }

    [Fact]
    public void Bmm_gradients_match_finite_differences()
    {
        var g = new Generator(8);
        var a = OpGradCheck.Random(g, 2, 3, 4);
        var b = OpGradCheck.Random(g, 2, 4, 2);
        OpGradCheck.Check(() => Ops.Bmm(a, b), a, b);
    }

    [Fact]
    public void Misuse_names_the_op_and_both_shapes()
    {
        Variable V(params long[] s) => new(new FloatTensor(s));
        var e = Assert.Throws<ArgumentException>(() => Ops.MatMul(V(2, 3), V(4, 5)));
        Assert.Contains("matmul: shapes (2, 3) and (4, 5)", e.Message, StringComparison.Ordinal);
        Assert.Contains("matmul: shapes (2, 3, 4) and (5, 4, 2)", Assert.Throws<ArgumentException>(() => Ops.MatMul(V(2, 3, 4), V(5, 4, 2))).Message, StringComparison.Ordinal);
        Assert.Contains("bmm: shapes (2, 3) and (2, 3, 4)", Assert.Throws<ArgumentException>(() => Ops.Bmm(V(2, 3), V(2, 3, 4))).Message, StringComparison.Ordinal);
        Assert.Contains("bmm: shapes (2, 3, 4) and (3, 4, 1)", Assert.Throws<ArgumentException>(() => Ops.Bmm(V(2, 3, 4), V(3, 4, 1))).Message, StringComparison.Ordinal);
        Assert.Contains("1-D operand cannot be transposed", Assert.Throws<ArgumentException>(() => Ops.MatMul(V(3), V(3, 2), true, false)).Message, StringComparison.Ordinal);
        Assert.Contains("at least one dimension", Assert.Throws<ArgumentException>(() => Ops.MatMul(V(), V(3))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Result_shapes_follow_torch_matmul()
    {
        Variable V(params long[] s) => new(new FloatTensor(s));
        Assert.Empty(Ops.MatMul(V(5), V(5)).Shape.ToArray());
        Assert.Equal([4L], Ops.MatMul(V(4, 5), V(5)).Shape.ToArray());
        Assert.Equal([2L, 3L], Ops.MatMul(V(5), V(2, 5, 3)).Shape.ToArray());
        Assert.Equal([2L, 3L, 4L, 2L], Ops.MatMul(V(2, 1, 4, 5), V(3, 5, 2)).Shape.ToArray());
    }
}
