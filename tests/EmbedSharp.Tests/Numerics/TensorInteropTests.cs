using System.Numerics.Tensors;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

public sealed class TensorInteropTests
{
    private static FloatTensor Counting(params long[] shape)
    {
        var t = new FloatTensor(shape);
        var span = t.AsSpan();
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = i;
        }

        return t;
    }

    [Fact]
    public void A_tensor_span_view_shares_the_elements_in_row_major_order()
    {
        var t = Counting(2, 3, 4);
        var view = t.AsTensorSpan();
        Assert.Equal([2, 3, 4], view.Lengths.ToArray());
        Assert.Equal(t[1, 2, 3], view[1, 2, 3]);
        Assert.Equal(t[0, 1, 2], view[0, 1, 2]);
        view[1, 0, 1] = -5f;
        Assert.Equal(-5f, t[1, 0, 1]);
        Assert.Equal(t[1, 1, 1], t.AsReadOnlyTensorSpan()[1, 1, 1]);
    }

    [Fact]
    public void AsTensor_wraps_the_managed_array_without_copying()
    {
        foreach (var shape in new long[][] { [5], [1], [3, 1], [1, 5], [2, 1, 4], [3, 7], [2, 3, 4], [300, 200] })
        {
            var t = Counting(shape);
            var tensor = t.AsTensor();
            Assert.Equal(shape, tensor.Lengths.ToArray().Select(l => (long)l));
            var flat = new float[t.Length];
            tensor.FlattenTo(flat);
            Assert.Equal(t.AsSpan().ToArray(), flat);

            // The same memory: a write on one side shows on the other, both ways.
            var last = shape.Select(s => (nint)(s - 1)).ToArray();
            tensor[last] = 1234.5f;
            Assert.Equal(1234.5f, t.AsSpan()[^1]);
            t.AsSpan()[0] = -1f;
            Assert.Equal(-1f, tensor[new nint[shape.Length]]);
        }
    }

    [Fact]
    public void Tensor_primitives_on_the_view_give_the_library_s_numbers()
    {
        var a = Counting(4, 8);
        var b = Counting(4, 8);
        var sum = Tensor.Add<float>(a.AsTensor(), b.AsTensor());
        var flat = new float[32];
        sum.FlattenTo(flat);
        Assert.Equal(a.AsSpan().ToArray().Select(x => 2 * x), flat);
    }

    [Fact]
    public void FromTensorSpan_copies_any_layout_in_row_major_order()
    {
        var data = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        var source = Tensor.Create(data, [3, 4]);
        var copy = FloatTensor.FromTensorSpan(source);
        Assert.Equal([3L, 4L], copy.Shape.ToArray());
        Assert.Equal(data, copy.AsSpan().ToArray());
        data[0] = 99f;
        Assert.Equal(0f, copy[0, 0]); // a copy

        // A transposed (strided) view reads as the transpose.
        var transposed = new ReadOnlyTensorSpan<float>(data, 0, [4, 3], [1, 4]);
        var t = FloatTensor.FromTensorSpan(transposed);
        Assert.Equal([4L, 3L], t.Shape.ToArray());
        Assert.Equal(data[1 * 4 + 2], t[2, 1]);
    }

    [Fact]
    public unsafe void External_storage_gives_a_span_view_but_no_tensor()
    {
        var p = (float*)System.Runtime.InteropServices.NativeMemory.Alloc(24, sizeof(float));
        try
        {
            for (var i = 0; i < 24; i++)
            {
                p[i] = i;
            }

            var tensor = FloatTensor.FromPointer((nint)p, null, 6, 4);
            Assert.True(tensor.IsExternal);
            Assert.False(tensor.TryAsTensor(out _));
            Assert.Contains("external", Assert.Throws<InvalidOperationException>(() => tensor.AsTensor()).Message);
            Assert.Equal(23f, tensor.AsReadOnlyTensorSpan()[5, 3]);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(p);
        }
    }

    [Fact]
    public void Empty_and_scalar_tensors_convert()
    {
        var empty = new FloatTensor(0, 5);
        Assert.Equal([0, 5], empty.AsTensor().Lengths.ToArray());
        Assert.Equal(0, FloatTensor.FromTensorSpan(empty.AsTensor()).Length);
        var scalar = FloatTensor.FromArray([3f]);
        Assert.Equal([1], scalar.AsTensor().Lengths.ToArray()); // no rank 0 in System.Numerics.Tensors
        Assert.Equal(3f, FloatTensor.FromTensorSpan(scalar.AsTensor()).AsSpan()[0]);
    }
}
