/**
 * Real geographical-indication names with their places (GB/T 2260 codes) for synthetic catalogs.
 * The Hubei names and kinds follow /work/shared GI-FACTS; the others are well-known GI names whose
 * kind is left empty (unconfirmed here). Only for benchmarks and generated test data.
 */
import type { GiKind } from '~/db/schema';
import type { CategorySlug } from '~/models/categories.server';

export interface GiSeed {
  slug: string;
  name: string;
  kind: GiKind | null;
  category: CategorySlug;
  regionCode: string;
  /** Names a product title may use for it (潜江小龙虾 for 潜江龙虾). */
  titleNames: string[];
  /** The product word cooperatives put in their names (脐橙 in …脐橙专业合作社). */
  product: string;
}

export const HUBEI_GIS: GiSeed[] = [
  { slug: 'zigui-qicheng', name: '秭归脐橙', kind: 'protected_product', category: 'fruit', regionCode: '420527', titleNames: ['秭归脐橙', '秭归伦晚脐橙'], product: '脐橙' },
  { slug: 'qianjiang-longxia', name: '潜江龙虾', kind: 'certification_mark', category: 'aquatic', regionCode: '429005', titleNames: ['潜江龙虾', '潜江小龙虾'], product: '龙虾' },
  { slug: 'enshi-yulu', name: '恩施玉露', kind: 'protected_product', category: 'tea', regionCode: '422801', titleNames: ['恩施玉露', '恩施玉露绿茶'], product: '茶叶' },
  { slug: 'honghu-lianou', name: '洪湖莲藕', kind: 'agricultural_product', category: 'vegetable', regionCode: '421083', titleNames: ['洪湖莲藕', '洪湖粉藕'], product: '莲藕' },
  { slug: 'suizhou-xianggu', name: '随州香菇', kind: 'agricultural_product', category: 'fungi', regionCode: '421300', titleNames: ['随州香菇', '随州花菇'], product: '香菇' },
  { slug: 'fangxian-heimuer', name: '房县黑木耳', kind: 'protected_product', category: 'fungi', regionCode: '420325', titleNames: ['房县黑木耳'], product: '木耳' },
  { slug: 'fangxian-xianggu', name: '房县香菇', kind: null, category: 'fungi', regionCode: '420325', titleNames: ['房县香菇', '房县花菇'], product: '香菇' },
  { slug: 'macheng-fubaiju', name: '麻城福白菊', kind: 'protected_product', category: 'tea', regionCode: '421181', titleNames: ['麻城福白菊', '福白菊花茶'], product: '菊花' },
  { slug: 'yidu-yihongcha', name: '宜都宜红茶', kind: null, category: 'tea', regionCode: '420581', titleNames: ['宜都宜红茶', '宜红工夫茶'], product: '茶叶' },
  { slug: 'yingshan-yunwucha', name: '英山云雾茶', kind: 'protected_product', category: 'tea', regionCode: '421124', titleNames: ['英山云雾茶'], product: '茶叶' },
  { slug: 'chibi-qingzhuancha', name: '赤壁青砖茶', kind: null, category: 'tea', regionCode: '421281', titleNames: ['赤壁青砖茶'], product: '茶叶' },
  { slug: 'lichuan-hong', name: '利川工夫红茶', kind: 'protected_product', category: 'tea', regionCode: '422802', titleNames: ['利川红', '利川工夫红茶'], product: '茶叶' },
  { slug: 'enshi-malingshu', name: '恩施马铃薯', kind: 'protected_product', category: 'vegetable', regionCode: '422800', titleNames: ['恩施马铃薯', '恩施富硒土豆'], product: '马铃薯' },
  { slug: 'qiai', name: '蕲艾', kind: 'protected_product', category: 'herbal', regionCode: '421126', titleNames: ['蕲艾', '蕲春艾条'], product: '艾草' },
  { slug: 'jingshan-qiaomi', name: '京山桥米', kind: 'certification_mark', category: 'rice-grain', regionCode: '420882', titleNames: ['京山桥米', '京山大米'], product: '大米' },
  { slug: 'yichang-mijie', name: '宜昌蜜桔', kind: null, category: 'fruit', regionCode: '420500', titleNames: ['宜昌蜜桔', '宜昌柑橘'], product: '柑橘' },
  { slug: 'yaowan-mijie', name: '窑湾蜜桔', kind: 'protected_product', category: 'fruit', regionCode: '420502', titleNames: ['窑湾蜜桔'], product: '蜜桔' },
  { slug: 'caidian-lianou', name: '蔡甸莲藕', kind: 'protected_product', category: 'vegetable', regionCode: '420114', titleNames: ['蔡甸莲藕', '蔡甸藕带'], product: '莲藕' },
  { slug: 'hongshan-caitai', name: '洪山菜薹', kind: 'protected_product', category: 'vegetable', regionCode: '420111', titleNames: ['洪山菜薹', '洪山红菜薹'], product: '蔬菜' },
  { slug: 'xiaogan-mijiu', name: '孝感米酒', kind: null, category: 'beverage', regionCode: '420900', titleNames: ['孝感米酒', '孝感糊米酒'], product: '米酒' },
  { slug: 'ezhou-wuchangyu', name: '鄂州武昌鱼', kind: 'certification_mark', category: 'aquatic', regionCode: '420700', titleNames: ['鄂州武昌鱼', '梁子湖武昌鱼'], product: '水产' },
];

export const OTHER_GIS: GiSeed[] = [
  { slug: 'wuchang-dami', name: '五常大米', kind: null, category: 'rice-grain', regionCode: '230184', titleNames: ['五常大米', '五常稻花香大米'], product: '水稻' },
  { slug: 'yangchenghu-dazhaxie', name: '阳澄湖大闸蟹', kind: null, category: 'aquatic', regionCode: '320507', titleNames: ['阳澄湖大闸蟹'], product: '水产' },
  { slug: 'gannan-qicheng', name: '赣南脐橙', kind: null, category: 'fruit', regionCode: '360722', titleNames: ['赣南脐橙', '信丰脐橙'], product: '脐橙' },
  { slug: 'kuerle-xiangli', name: '库尔勒香梨', kind: null, category: 'fruit', regionCode: '652801', titleNames: ['库尔勒香梨'], product: '香梨' },
  { slug: 'anxi-tieguanyin', name: '安溪铁观音', kind: null, category: 'tea', regionCode: '350524', titleNames: ['安溪铁观音', '铁观音乌龙茶'], product: '茶叶' },
  { slug: 'zhongning-gouqi', name: '中宁枸杞', kind: null, category: 'herbal', regionCode: '640521', titleNames: ['中宁枸杞', '中宁红枸杞'], product: '枸杞' },
  { slug: 'xihu-longjing', name: '西湖龙井', kind: null, category: 'tea', regionCode: '330106', titleNames: ['西湖龙井', '明前西湖龙井'], product: '茶叶' },
  { slug: 'xinyang-maojian', name: '信阳毛尖', kind: null, category: 'tea', regionCode: '411502', titleNames: ['信阳毛尖'], product: '茶叶' },
  { slug: 'yantai-pingguo', name: '烟台苹果', kind: null, category: 'fruit', regionCode: '370600', titleNames: ['烟台苹果', '烟台红富士'], product: '苹果' },
  { slug: 'laiyang-li', name: '莱阳梨', kind: null, category: 'fruit', regionCode: '370682', titleNames: ['莱阳梨', '莱阳茌梨'], product: '梨' },
  { slug: 'luochuan-pingguo', name: '洛川苹果', kind: null, category: 'fruit', regionCode: '610629', titleNames: ['洛川苹果'], product: '苹果' },
  { slug: 'panjin-dami', name: '盘锦大米', kind: null, category: 'rice-grain', regionCode: '211100', titleNames: ['盘锦大米', '盘锦蟹田大米'], product: '水稻' },
  { slug: 'tulufan-putao', name: '吐鲁番葡萄', kind: null, category: 'fruit', regionCode: '650402', titleNames: ['吐鲁番葡萄', '吐鲁番葡萄干'], product: '葡萄' },
  { slug: 'puer-cha', name: '普洱茶', kind: null, category: 'tea', regionCode: '530802', titleNames: ['普洱茶', '普洱生茶饼'], product: '茶叶' },
  { slug: 'wuyi-yancha', name: '武夷岩茶', kind: null, category: 'tea', regionCode: '350782', titleNames: ['武夷岩茶', '武夷山大红袍'], product: '茶叶' },
  { slug: 'zhangqiu-dacong', name: '章丘大葱', kind: null, category: 'vegetable', regionCode: '370114', titleNames: ['章丘大葱'], product: '大葱' },
  { slug: 'fuling-zhacai', name: '涪陵榨菜', kind: null, category: 'vegetable', regionCode: '500102', titleNames: ['涪陵榨菜'], product: '榨菜' },
  { slug: 'fengjie-qicheng', name: '奉节脐橙', kind: null, category: 'fruit', regionCode: '500236', titleNames: ['奉节脐橙'], product: '脐橙' },
  { slug: 'nanfeng-mijie', name: '南丰蜜桔', kind: null, category: 'fruit', regionCode: '361023', titleNames: ['南丰蜜桔'], product: '蜜桔' },
  { slug: 'dangshan-suli', name: '砀山酥梨', kind: null, category: 'fruit', regionCode: '341321', titleNames: ['砀山酥梨'], product: '酥梨' },
  { slug: 'pinggu-datao', name: '平谷大桃', kind: null, category: 'fruit', regionCode: '110117', titleNames: ['平谷大桃', '平谷水蜜桃'], product: '桃' },
  { slug: 'donggang-caomei', name: '东港草莓', kind: null, category: 'fruit', regionCode: '210681', titleNames: ['东港草莓', '丹东九九草莓'], product: '草莓' },
  { slug: 'wenshan-sanqi', name: '文山三七', kind: null, category: 'herbal', regionCode: '532601', titleNames: ['文山三七', '文山三七粉'], product: '三七' },
  { slug: 'pujiang-mihoutao', name: '蒲江猕猴桃', kind: null, category: 'fruit', regionCode: '510131', titleNames: ['蒲江猕猴桃', '蒲江红心猕猴桃'], product: '猕猴桃' },
];

/** Titles of goods sold without a GI, per category (e.g. a cooperative's own brand). */
export const PLAIN_TITLES: Record<CategorySlug, string[]> = {
  fruit: ['高山脆李', '农家柿饼', '山地黄桃'],
  tea: ['高山绿茶', '农家炒青'],
  'rice-grain': ['农家糙米', '高山小米', '有机黑米'],
  vegetable: ['高山土豆', '农家红薯', '泡椒笋'],
  fungi: ['野生榛蘑', '农家干木耳'],
  aquatic: ['野生鲫鱼', '清水河虾'],
  herbal: ['土蜂蜜', '野生葛根粉'],
  beverage: ['农家米酒', '手工酸梅汤'],
  other: ['土鸡蛋', '农家腊肠'],
};
