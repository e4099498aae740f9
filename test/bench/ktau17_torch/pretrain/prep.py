import gzip, csv, os, numpy as np
OP={'input':1,'conv1x1-bn-relu':2,'conv3x3-bn-relu':3,'maxpool3x3':4,'output':5}
N=423624
adj=np.zeros((N,7,7),np.uint8); ops=np.zeros((N,7),np.int8); acc=np.zeros(N,np.float32); par=np.zeros(N,np.float64); nv=np.zeros(N,np.int8)
with gzip.open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../../shared/data/nb101/nb101_all_run0test.csv.gz'),'rt') as f:
    r=csv.DictReader(f)
    for k,row in enumerate(r):
        n=int(row['num_vertices']); a=row['adjacency']; nv[k]=n
        for i in range(n):
            for j in range(n):
                if a[i*n+j]=='1': adj[k,j,i]=1   # adj_in[j][i]=1 iff edge i->j
        o=row['ops'].split(';')
        for i,x in enumerate(o): ops[k,i]=OP[x]
        acc[k]=float(row['test_acc_run0']); par[k]=float(row['trainable_parameters'])
assert k==N-1
np.savez_compressed('nb101.npz',adj=adj,ops=ops,acc=acc,params=par,nv=nv)
print('ok', acc.max(), nv.min())
